import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  Breadcrumb,
  BreadcrumbItem,
  Button,
  Flex,
  FlexItem,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
  Title,
} from '@patternfly/react-core';
import { api } from '../api';
import { ConfirmDelete, ErrorAlert } from '../components/common';
import { RepositoryList } from '../components/RepositoryList';
import { DefaultPermissionsPanel, RoleBindingsPanel } from '../components/NamespaceGrantsPanels';
import { RobotsPanel } from '../components/RobotsPanel';
import { TeamsPanel } from '../components/TeamsPanel';
import { NamespaceLifecyclePanel } from '../components/LifecyclePanels';
import { SigningPolicyPanel } from '../components/SigningPolicyPanel';
import { VulnerabilityPolicyPanel } from '../components/VulnerabilityPolicyPanel';
import { NotificationsPanel } from '../components/NotificationsPanel';
import { useLoad, usePageTitle, useTabParam } from '../hooks';
import { useUser } from '../session';

export function OrganizationPage() {
  const name = useParams().name ?? '';
  usePageTitle(`Organization ${name}`);
  const navigate = useNavigate();
  const user = useUser();
  const [tab, selectTab] = useTabParam('repositories');
  const org = useLoad(() => api.organization(name), [name]);
  const [deleting, setDeleting] = useState(false);
  const isAdmin = org.data?.is_admin !== false;

  return (
    <PageSection>
      <Breadcrumb>
        <BreadcrumbItem>
          <Link to="/organizations">Organizations</Link>
        </BreadcrumbItem>
        <BreadcrumbItem isActive>{name}</BreadcrumbItem>
      </Breadcrumb>
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} style={{ marginTop: '0.5rem' }}>
        <FlexItem>
          <Title headingLevel="h1" data-testid="organization-title">
            {name}
          </Title>
        </FlexItem>
        {isAdmin && (
          <FlexItem>
            <Button variant="danger" size="sm" onClick={() => setDeleting(true)} data-testid="org-delete">
              Delete organization
            </Button>
          </FlexItem>
        )}
      </Flex>
      <ErrorAlert title="Could not load the organization" error={org.error} />
      <Tabs
        activeKey={tab}
        onSelect={(_e, key) => selectTab(key)}
        aria-label="Organization sections"
        style={{ marginTop: '1rem' }}
        mountOnEnter
        unmountOnExit
      >
        <Tab eventKey="repositories" title={<TabTitleText>Repositories</TabTitleText>} data-testid="tab-repositories">
          <RepositoryList namespace={name} />
        </Tab>
        <Tab eventKey="teams" title={<TabTitleText>Teams</TabTitleText>} data-testid="tab-teams">
          <TeamsPanel organization={name} />
        </Tab>
        <Tab eventKey="robots" title={<TabTitleText>Robot accounts</TabTitleText>} data-testid="tab-robots">
          <RobotsPanel namespace={name} />
        </Tab>
        {isAdmin && (
          <Tab
            eventKey="default-permissions"
            title={<TabTitleText>Default permissions</TabTitleText>}
            data-testid="tab-default-permissions"
          >
            <DefaultPermissionsPanel organization={name} />
          </Tab>
        )}
        {isAdmin && (
          <Tab eventKey="role-bindings" title={<TabTitleText>Role bindings</TabTitleText>} data-testid="tab-role-bindings">
            <RoleBindingsPanel namespace={name} />
          </Tab>
        )}
        {isAdmin && (
          <Tab eventKey="lifecycle" title={<TabTitleText>Lifecycle</TabTitleText>} data-testid="tab-lifecycle">
            <NamespaceLifecyclePanel namespace={name} isSuperuser={user.superuser} />
          </Tab>
        )}
        {isAdmin && (
          <Tab eventKey="signing" title={<TabTitleText>Signing</TabTitleText>} data-testid="tab-signing">
            <SigningPolicyPanel namespace={name} />
          </Tab>
        )}
        {isAdmin && (
          <Tab
            eventKey="vulnerabilities"
            title={<TabTitleText>Vulnerabilities</TabTitleText>}
            data-testid="tab-vulnerabilities"
          >
            <VulnerabilityPolicyPanel namespace={name} />
          </Tab>
        )}
        {isAdmin && (
          <Tab eventKey="notifications" title={<TabTitleText>Notifications</TabTitleText>} data-testid="tab-notifications">
            <NotificationsPanel scope={{ kind: 'namespace', name }} />
          </Tab>
        )}
      </Tabs>
      <ConfirmDelete
        isOpen={deleting}
        title={`Delete organization ${name}?`}
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await api.deleteOrganization(name);
          navigate('/organizations');
        }}
      >
        Its teams, robots and settings are removed.
      </ConfirmDelete>
    </PageSection>
  );
}
