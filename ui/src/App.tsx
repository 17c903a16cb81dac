import { useContext, useState, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import {
  Button,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  Nav,
  NavItem,
  NavList,
  Page,
  PageContext,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import { BarsIcon, UserIcon } from '@patternfly/react-icons';
import { useSession, useUser } from './session';
import { ErrorAlert, Loading } from './components/common';
import { SignInPage } from './pages/SignIn';
import { RepositoriesPage } from './pages/Repositories';
import { RepositoryPage } from './pages/Repository';
import { OrganizationsPage } from './pages/Organizations';
import { OrganizationPage } from './pages/Organization';
import { AuditPage } from './pages/Audit';
import { UserPage } from './pages/User';
import { UsersPage } from './pages/Users';
import { GarbageCollectionPage } from './pages/GarbageCollection';
import { NotFoundPage } from './pages/NotFound';

const MAIN_ID = 'pier-main';

const NAV: { to: string; label: string; matches: string[]; superuser?: true }[] = [
  { to: '/repositories', label: 'Repositories', matches: ['/repositories', '/repository/'] },
  { to: '/organizations', label: 'Organizations', matches: ['/organizations', '/organization/'] },
  { to: '/audit', label: 'Audit log', matches: ['/audit'] },
  { to: '/users', label: 'Users', matches: ['/users'], superuser: true },
  { to: '/gc', label: 'Garbage collection', matches: ['/gc'], superuser: true },
  { to: '/user', label: 'User settings', matches: ['/user'] },
];

function MainNav() {
  const navigate = useNavigate();
  const location = useLocation();
  const page = useContext(PageContext);
  const user = useUser();
  // '/user' is a prefix of '/users': the longest match wins
  const active = NAV.filter((item) => item.matches.some((m) => location.pathname.startsWith(m))).sort(
    (a, b) => b.to.length - a.to.length,
  )[0];
  return (
    <Nav aria-label="Pier">
      <NavList>
        {NAV.filter((item) => !item.superuser || user.superuser).map((item) => (
          <NavItem
            key={item.to}
            to={item.to}
            isActive={item === active}
            onClick={(e) => {
              e.preventDefault();
              navigate(item.to);
              // on a phone the sidebar covers the page it just opened
              if (page.isMobile && page.isSidebarOpen) page.onSidebarToggle();
            }}
          >
            {item.label}
          </NavItem>
        ))}
      </NavList>
    </Nav>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const [signOutError, setSignOutError] = useState<unknown>(null);

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton isHamburgerButton aria-label="Main navigation" data-testid="nav-toggle">
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo
            href="/repositories"
            className="pier-brand"
            onClick={(e: React.MouseEvent) => {
              e.preventDefault();
              navigate('/repositories');
            }}
          >
            Pier
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight isStatic>
          <ToolbarContent>
            <ToolbarGroup align={{ default: 'alignEnd' }} gap={{ default: 'gapSm' }}>
              <ToolbarItem>
                <Button
                  variant="plain"
                  icon={<UserIcon />}
                  onClick={() => navigate('/user')}
                  aria-label={`Signed in as ${user.name}`}
                  data-testid="current-user"
                >
                  <span className="pier-hide-on-phone">{user.name}</span>
                </Button>
              </ToolbarItem>
              <ToolbarItem>
                <Button
                  variant="secondary"
                  size="sm"
                  data-testid="sign-out"
                  onClick={() => signOut().then(() => navigate('/signin'), setSignOutError)}
                >
                  Sign out
                </Button>
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );

  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <MainNav />
      </PageSidebarBody>
    </PageSidebar>
  );

  return (
    <Page
      masthead={masthead}
      sidebar={sidebar}
      isManagedSidebar
      mainContainerId={MAIN_ID}
      skipToContent={<SkipToContent href={`#${MAIN_ID}`}>Skip to content</SkipToContent>}
    >
      <ErrorAlert title="Signing out failed" error={signOutError} />
      {children}
    </Page>
  );
}

function RequireSession({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const location = useLocation();
  if (user === undefined) return <Loading label="Checking your session" />;
  if (user === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/signin${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
  }
  return <Shell>{children}</Shell>;
}

export function App() {
  const guarded = (page: ReactNode) => <RequireSession>{page}</RequireSession>;
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/" element={<Navigate to="/repositories" replace />} />
      <Route path="/repositories" element={guarded(<RepositoriesPage />)} />
      <Route path="/repository/*" element={guarded(<RepositoryPage />)} />
      <Route path="/organizations" element={guarded(<OrganizationsPage />)} />
      <Route path="/organization/:name" element={guarded(<OrganizationPage />)} />
      <Route path="/audit" element={guarded(<AuditPage />)} />
      <Route path="/user" element={guarded(<UserPage />)} />
      <Route path="/users" element={guarded(<UsersPage />)} />
      <Route path="/gc" element={guarded(<GarbageCollectionPage />)} />
      <Route path="*" element={guarded(<NotFoundPage />)} />
    </Routes>
  );
}
