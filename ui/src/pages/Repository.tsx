import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import {
  Breadcrumb,
  BreadcrumbItem,
  Flex,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
  Title,
} from '@patternfly/react-core';
import { api, ApiError } from '../api';
import { ErrorAlert, Loading } from '../components/common';
import { NotificationsPanel } from '../components/NotificationsPanel';
import { VisibilityLabel } from '../components/RepositoryList';
import { splitRepositoryRoute } from '../format';
import { useLoad, usePageTitle, useTabParam } from '../hooks';
import { TagsTab } from './repository/TagsTab';
import { HistoryTab } from './repository/HistoryTab';
import { SettingsTab } from './repository/SettingsTab';
import { LifecycleTab } from './repository/LifecycleTab';
import { ManifestView } from './repository/ManifestView';

export function RepositoryPage() {
  const splat = useParams()['*'] ?? '';
  const { repository: name, digest } = splitRepositoryRoute(splat);
  const [params] = useSearchParams();
  const [tab, select] = useTabParam('tags');
  const [generation, setGeneration] = useState(0);
  const repo = useLoad(() => api.repository(name), [name, generation]);
  usePageTitle(digest ? `${name}@${digest.slice(0, 19)}` : name);

  const namespace = name.split('/')[0];
  const header = (
    <>
      <Breadcrumb>
        <BreadcrumbItem>
          <Link to="/repositories">Repositories</Link>
        </BreadcrumbItem>
        <BreadcrumbItem>
          <Link to={`/repositories?namespace=${encodeURIComponent(namespace)}`}>{namespace}</Link>
        </BreadcrumbItem>
        <BreadcrumbItem isActive={!digest}>
          {digest ? <Link to={`/repository/${name}`}>{name}</Link> : name}
        </BreadcrumbItem>
        {digest && <BreadcrumbItem isActive>{digest.slice(0, 19)}</BreadcrumbItem>}
      </Breadcrumb>
      <Flex alignItems={{ default: 'alignItemsCenter' }} gap={{ default: 'gapSm' }} style={{ marginTop: '0.5rem' }}>
        <Title headingLevel="h1" className="pier-mono" data-testid="repository-title">
          {name}
        </Title>
        {repo.data && <VisibilityLabel isPublic={repo.data.public} />}
      </Flex>
    </>
  );

  if (repo.loading && !repo.data) {
    return (
      <PageSection>
        {header}
        <Loading label="Loading repository" />
      </PageSection>
    );
  }
  if (!repo.data) {
    const missing = repo.error instanceof ApiError && repo.error.status === 404;
    return (
      <PageSection>
        {header}
        <ErrorAlert title={missing ? 'No such repository' : 'Could not load the repository'} error={repo.error} />
      </PageSection>
    );
  }

  const info = repo.data;
  const canAdmin = info.can_admin !== false;
  const canWrite = info.can_write !== false;
  if (digest) {
    return (
      <PageSection>
        {header}
        <ManifestView repository={name} digest={digest} />
      </PageSection>
    );
  }

  return (
    <PageSection>
      {header}
      <Tabs
        activeKey={tab}
        onSelect={(_e, key) => select(key)}
        aria-label="Repository sections"
        style={{ marginTop: '1rem' }}
        mountOnEnter
        unmountOnExit
      >
        <Tab eventKey="tags" title={<TabTitleText>Tags</TabTitleText>} data-testid="tab-tags">
          <TagsTab
            repository={name}
            canWrite={canWrite}
            onShowHistory={(tag) => select('history', { tag })}
            onChanged={() => setGeneration((g) => g + 1)}
          />
        </Tab>
        <Tab eventKey="history" title={<TabTitleText>Tag history</TabTitleText>} data-testid="tab-history">
          <HistoryTab repository={name} canWrite={canWrite} initialTag={params.get('tag') ?? ''} />
        </Tab>
        {canAdmin && (
          <Tab eventKey="lifecycle" title={<TabTitleText>Lifecycle</TabTitleText>} data-testid="tab-lifecycle">
            <LifecycleTab repository={name} />
          </Tab>
        )}
        {canAdmin && (
          <Tab eventKey="notifications" title={<TabTitleText>Notifications</TabTitleText>} data-testid="tab-notifications">
            <NotificationsPanel scope={{ kind: 'repository', name }} />
          </Tab>
        )}
        {canAdmin && (
          <Tab eventKey="settings" title={<TabTitleText>Settings</TabTitleText>} data-testid="tab-settings">
            <SettingsTab repository={info} onChanged={() => setGeneration((g) => g + 1)} />
          </Tab>
        )}
      </Tabs>
    </PageSection>
  );
}
