import { Title } from '@patternfly/react-core';
import { api, BINDING_ROLES, type RepoRole } from '../api';
import { useLoad } from '../hooks';
import { SubjectGrants } from './SubjectGrants';

const REPO_ROLES: RepoRole[] = ['read', 'write', 'admin'];

export function DefaultPermissionsPanel({ organization }: { organization: string }) {
  const list = useLoad(() => api.defaultPermissions(organization), [organization]);
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <Title headingLevel="h2" size="lg">
        Default permissions of {organization}
      </Title>
      <p>Every repository created in {organization} from now on starts with these; existing ones keep theirs.</p>
      <SubjectGrants
        namespace={organization}
        list={list}
        rows={list.data?.default_permissions ?? []}
        roles={REPO_ROLES}
        idPrefix="default-perm"
        text={{
          table: 'Default permissions',
          noun: 'default permission',
          empty: 'No default permissions',
          form: 'Set a default permission',
          submit: 'Set',
          removeVerb: 'Remove',
          given: (p) => `New repositories give ${p.kind} ${p.name} ${p.role} access`,
          removed: (p) => `New repositories no longer give ${p.kind} ${p.name} ${p.role} access; existing ones keep it.`,
        }}
        give={(p) => api.setDefaultPermission(organization, p.kind, p.name, p.role)}
        remove={(p) => api.removeDefaultPermission(organization, p.kind, p.name)}
      />
    </div>
  );
}

export function RoleBindingsPanel({ namespace }: { namespace: string }) {
  const list = useLoad(() => api.roleBindings(namespace), [namespace]);
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <Title headingLevel="h2" size="lg">
        Role bindings of {namespace}
      </Title>
      <p>
        OpenShift-style roles over every repository of {namespace}: image puller and registry viewer pull; image
        pusher, image builder and registry editor also push; registry admin manages {namespace} as well.
      </p>
      <SubjectGrants
        namespace={namespace}
        list={list}
        rows={list.data?.role_bindings ?? []}
        roles={BINDING_ROLES}
        idPrefix="binding"
        text={{
          table: 'Role bindings',
          noun: 'role binding',
          empty: 'No role bindings',
          form: 'Add a role binding',
          submit: 'Bind',
          removeVerb: 'Remove',
          given: (b) => `${b.kind} ${b.name} is bound to ${b.role}`,
          removed: (b) => `${b.kind} ${b.name} loses ${b.role} on ${namespace}.`,
        }}
        give={(b) => api.addRoleBinding(namespace, b.role, b.kind, b.name)}
        remove={(b) => api.removeRoleBinding(namespace, b.role, b.kind, b.name)}
      />
    </div>
  );
}
