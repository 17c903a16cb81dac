// The signatures of one manifest, as the server verified them against its namespace's trusted keys.

import { Label } from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import type { Signature } from '../api';
import { DataTable, Empty } from './common';

export function SignaturesTable({ signatures }: { signatures: Signature[] }) {
  if (signatures.length === 0) {
    return (
      <div data-testid="signatures-empty">
        <Empty title="No signatures" />
      </div>
    );
  }
  return (
    <DataTable
      label="Signatures"
      testId="signatures-table"
      columns={['Type', 'Key ID', { title: 'Verified', wrap: true }, { title: 'Source', wrap: true }]}
    >
      {signatures.map((s, i) => (
        <Tr key={`${s.name}-${i}`}>
          <Td dataLabel="Type">{s.type}</Td>
          <Td dataLabel="Key ID" className="pier-mono">
            {s.key_id ?? 'unknown'}
          </Td>
          <Td dataLabel="Verified">
            {/* Grey, not red: an unverified signature may be sound, made by a key the namespace does not trust. */}
            {s.verified ? (
              <Label isCompact color="green">
                Verified
              </Label>
            ) : (
              <Label isCompact color="grey">
                Not verified
              </Label>
            )}
          </Td>
          <Td dataLabel="Source" title={s.name}>
            {s.source}
          </Td>
        </Tr>
      ))}
    </DataTable>
  );
}
