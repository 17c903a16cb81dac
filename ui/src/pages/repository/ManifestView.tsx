import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import {
  DescriptionList,
  Title,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type Descriptor } from '../../api';
import { CompactLabels, CopyText, DataTable, Detail, ErrorAlert, Loading } from '../../components/common';
import { SignaturesTable } from '../../components/SignaturesTable';
import { VulnerabilitiesPanel } from '../../components/VulnerabilitiesPanel';
import { humanSize, platformsText, platformText, shortDigest } from '../../format';
import { useLoad } from '../../hooks';

/**
 * Descriptors in a table: digest, media type and size after `first`. Child manifests of an index
 * link to their own page; config and layer blobs have none.
 */
function DescriptorTable<D extends Descriptor>({
  label,
  testId,
  descriptors,
  first,
  linkTo,
}: {
  label: string;
  testId?: string;
  descriptors: D[];
  first: { title: string; cell: (d: D, i: number) => ReactNode };
  linkTo?: (digest: string) => string;
}) {
  return (
    <DataTable label={label} testId={testId} columns={[first.title, 'Digest', 'Media type', 'Size']}>
      {descriptors.map((d, i) => (
        <Tr key={`${d.digest}-${i}`}>
          <Td dataLabel={first.title}>{first.cell(d, i)}</Td>
          {linkTo ? (
            <Td dataLabel="Digest">
              <Link to={linkTo(d.digest)} className="pier-mono">
                {shortDigest(d.digest)}
              </Link>
            </Td>
          ) : (
            <Td dataLabel="Digest" className="pier-mono" title={d.digest}>
              {shortDigest(d.digest)}
            </Td>
          )}
          <Td dataLabel="Media type">{d.media_type}</Td>
          <Td dataLabel="Size">{humanSize(d.size)}</Td>
        </Tr>
      ))}
    </DataTable>
  );
}

const BLOB_NUMBER = { title: '#', cell: (_d: Descriptor, i: number) => i + 1 };

export function ManifestView({ repository, digest }: { repository: string; digest: string }) {
  const manifest = useLoad(() => api.manifest(repository, digest), [repository, digest]);
  if (manifest.loading && !manifest.data) return <Loading label="Loading manifest" />;
  if (!manifest.data) return <ErrorAlert title="Could not load the manifest" error={manifest.error} />;
  const m = manifest.data;
  const annotations = Object.entries(m.annotations ?? {});
  const isIndex = m.manifests.length > 0;
  const manifestPath = (d: string) => `/repository/${repository}@${d}`;

  return (
    <div className="pier-stack" data-testid="manifest-view" style={{ marginTop: '1rem' }}>
      <Title headingLevel="h2">{isIndex ? 'Image index' : m.artifact_type ? 'Artifact' : 'Image manifest'}</Title>
      <DescriptionList isHorizontal isCompact>
        <Detail term="Digest">
          <CopyText text={m.digest} label="manifest digest" testId="manifest-digest" />
        </Detail>
        <Detail term="Tags">{m.tags.length ? <CompactLabels names={m.tags} /> : 'untagged'}</Detail>
        <Detail term="Media type">{m.media_type}</Detail>
        {m.artifact_type && <Detail term="Artifact type">{m.artifact_type}</Detail>}
        <Detail term="Size">
          {humanSize(m.total_size)} in all (manifest {humanSize(m.size)})
        </Detail>
        <Detail term="Platforms">{platformsText(m.platforms)}</Detail>
        {m.subject && (
          <Detail term="Refers to">
            <Link to={manifestPath(m.subject)} className="pier-mono">
              {shortDigest(m.subject)}
            </Link>
          </Detail>
        )}
      </DescriptionList>

      <Title headingLevel="h3">Signatures</Title>
      <SignaturesTable signatures={m.signatures} />

      <Title headingLevel="h3">Vulnerabilities</Title>
      <VulnerabilitiesPanel key={m.digest} repository={repository} digest={m.digest} />

      {isIndex && (
        <>
          <Title headingLevel="h3">Platforms</Title>
          <DescriptorTable
            label="Manifests of the index"
            testId="index-manifests"
            descriptors={m.manifests}
            first={{ title: 'Platform', cell: (child) => (child.platform ? platformText(child.platform) : '—') }}
            linkTo={manifestPath}
          />
        </>
      )}

      {m.config && (
        <>
          <Title headingLevel="h3">Config</Title>
          <DescriptorTable label="Config" descriptors={[m.config]} first={BLOB_NUMBER} />
        </>
      )}
      {m.layers.length > 0 && (
        <>
          <Title headingLevel="h3">Layers ({m.layers.length})</Title>
          <DescriptorTable label="Layers" descriptors={m.layers} first={BLOB_NUMBER} />
        </>
      )}
      {annotations.length > 0 && (
        <>
          <Title headingLevel="h3">Annotations</Title>
          <DescriptionList isHorizontal isCompact>
            {annotations.map(([key, value]) => (
              <Detail key={key} term={key} termClassName="pier-mono">
                {value}
              </Detail>
            ))}
          </DescriptionList>
        </>
      )}
    </div>
  );
}
