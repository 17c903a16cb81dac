import { ImmutableTagsCard, RetentionCard } from '../../components/LifecyclePanels';
import type { RuleScope } from '../../api';

/** A repository's own lifecycle rules, for its admins; the namespace's hold besides. */
export function LifecycleTab({ repository }: { repository: string }) {
  const scope: RuleScope = { kind: 'repository', name: repository };
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <ImmutableTagsCard scope={scope} />
      <RetentionCard scope={scope} />
    </div>
  );
}
