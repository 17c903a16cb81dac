import { PageSection, Title } from '@patternfly/react-core';
import { RepositoryList } from '../components/RepositoryList';
import { usePageTitle } from '../hooks';

export function RepositoriesPage() {
  usePageTitle('Repositories');
  return (
    <PageSection>
      <Title headingLevel="h1">Repositories</Title>
      <RepositoryList />
    </PageSection>
  );
}
