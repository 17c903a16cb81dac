import { PageSection, Title } from '@patternfly/react-core';
import { Link } from 'react-router-dom';
import { usePageTitle } from '../hooks';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <PageSection>
      <Title headingLevel="h1">Page not found</Title>
      <p>
        There is nothing here. Go to the <Link to="/repositories">repositories</Link>.
      </p>
    </PageSection>
  );
}
