import { PageSection, Title } from '@patternfly/react-core';
import { useSearchParams } from 'react-router-dom';
import { RepositoryList } from '../components/RepositoryList';
import { usePageTitle } from '../hooks';

export function RepositoriesPage() {
  usePageTitle('Repositories');
  const [params, setParams] = useSearchParams();
  const namespace = params.get('namespace') ?? '';
  return (
    <PageSection>
      <Title headingLevel="h1">Repositories</Title>
      <RepositoryList
        initialNamespace={namespace}
        onNamespaceChange={(ns) => setParams(ns ? { namespace: ns } : {}, { replace: true })}
      />
    </PageSection>
  );
}
