import { Link } from 'react-router-dom';
import {
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Label,
  LabelGroup,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api, type Descriptor } from '../../api';
import { CopyText, ErrorAlert, Loading } from '../../components/common';
import { humanSize, platformsText, platformText, shortDigest } from '../../format';
import { useLoad } from '../../hooks';

function BlobTable({ label, blobs }: { label: string; blobs: Descriptor[] }) {
  return (
    <div className="pier-table-scroll">
      <Table aria-label={label} variant="compact">
        <Thead>
          <Tr>
            <Th>#</Th>
            <Th>Digest</Th>
            <Th>Media type</Th>
            <Th>Size</Th>
          </Tr>
        </Thead>
        <Tbody>
          {blobs.map((b, i) => (
            <Tr key={`${b.digest}-${i}`}>
              <Td dataLabel="#">{i + 1}</Td>
              <Td dataLabel="Digest" className="pier-mono" title={b.digest}>
                {shortDigest(b.digest)}
              </Td>
              <Td dataLabel="Media type">{b.media_type}</Td>
              <Td dataLabel="Size">{humanSize(b.size)}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </div>
  );
}

export function ManifestView({ repository, digest }: { repository: string; digest: string }) {
  const manifest = useLoad(() => api.manifest(repository, digest), [repository, digest]);
  if (manifest.loading && !manifest.data) return <Loading label="Loading manifest" />;
  if (!manifest.data) return <ErrorAlert title="Could not load the manifest" error={manifest.error} />;
  const m = manifest.data;
  const annotations = Object.entries(m.annotations ?? {});
  const isIndex = m.manifests.length > 0;

  return (
    <div className="pier-stack" data-testid="manifest-view" style={{ marginTop: '1rem' }}>
      <Title headingLevel="h2">{isIndex ? 'Image index' : m.artifact_type ? 'Artifact' : 'Image manifest'}</Title>
      <DescriptionList isHorizontal isCompact>
        <DescriptionListGroup>
          <DescriptionListTerm>Digest</DescriptionListTerm>
          <DescriptionListDescription>
            <CopyText text={m.digest} label="manifest digest" testId="manifest-digest" />
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Tags</DescriptionListTerm>
          <DescriptionListDescription>
            {m.tags.length ? (
              <LabelGroup>
                {m.tags.map((t) => (
                  <Label key={t} isCompact>
                    {t}
                  </Label>
                ))}
              </LabelGroup>
            ) : (
              'untagged'
            )}
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Media type</DescriptionListTerm>
          <DescriptionListDescription>{m.media_type}</DescriptionListDescription>
        </DescriptionListGroup>
        {m.artifact_type && (
          <DescriptionListGroup>
            <DescriptionListTerm>Artifact type</DescriptionListTerm>
            <DescriptionListDescription>{m.artifact_type}</DescriptionListDescription>
          </DescriptionListGroup>
        )}
        <DescriptionListGroup>
          <DescriptionListTerm>Size</DescriptionListTerm>
          <DescriptionListDescription>
            {humanSize(m.total_size)} in all (manifest {humanSize(m.size)})
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Platforms</DescriptionListTerm>
          <DescriptionListDescription>{platformsText(m.platforms)}</DescriptionListDescription>
        </DescriptionListGroup>
        {m.subject && (
          <DescriptionListGroup>
            <DescriptionListTerm>Refers to</DescriptionListTerm>
            <DescriptionListDescription>
              <Link to={`/repository/${repository}@${m.subject}`} className="pier-mono">
                {shortDigest(m.subject)}
              </Link>
            </DescriptionListDescription>
          </DescriptionListGroup>
        )}
      </DescriptionList>

      {isIndex && (
        <>
          <Title headingLevel="h3">Platforms</Title>
          <div className="pier-table-scroll">
            <Table aria-label="Manifests of the index" variant="compact" data-testid="index-manifests">
              <Thead>
                <Tr>
                  <Th>Platform</Th>
                  <Th>Digest</Th>
                  <Th>Media type</Th>
                  <Th>Size</Th>
                </Tr>
              </Thead>
              <Tbody>
                {m.manifests.map((child, i) => (
                  <Tr key={`${child.digest}-${i}`}>
                    <Td dataLabel="Platform">{child.platform ? platformText(child.platform) : '—'}</Td>
                    <Td dataLabel="Digest">
                      <Link to={`/repository/${repository}@${child.digest}`} className="pier-mono">
                        {shortDigest(child.digest)}
                      </Link>
                    </Td>
                    <Td dataLabel="Media type">{child.media_type}</Td>
                    <Td dataLabel="Size">{humanSize(child.size)}</Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          </div>
        </>
      )}

      {m.config && (
        <>
          <Title headingLevel="h3">Config</Title>
          <BlobTable label="Config" blobs={[m.config]} />
        </>
      )}
      {m.layers.length > 0 && (
        <>
          <Title headingLevel="h3">Layers ({m.layers.length})</Title>
          <BlobTable label="Layers" blobs={m.layers} />
        </>
      )}
      {annotations.length > 0 && (
        <>
          <Title headingLevel="h3">Annotations</Title>
          <DescriptionList isHorizontal isCompact>
            {annotations.map(([key, value]) => (
              <DescriptionListGroup key={key}>
                <DescriptionListTerm className="pier-mono">{key}</DescriptionListTerm>
                <DescriptionListDescription>{value}</DescriptionListDescription>
              </DescriptionListGroup>
            ))}
          </DescriptionList>
        </>
      )}
    </div>
  );
}
