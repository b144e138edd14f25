// Test support: the tenant file of the fault suites, with two group rules so that creates and
// patches write memberships in the same transaction as the account and its events.

export const TENANT = 'faults';
export const TOKEN_ENV = 'FAULTS_SCIM_TOKEN';

export const TENANT_YAML = `tenant: ${TENANT}
tokens:
  - env: ${TOKEN_ENV}
timezone: Europe/Amsterdam
key: externalId
profile:
  email: userName
  function: title
groups:
  - group: Everyone
    when: email pr
  - group: Leads
    when: function sw "Lead"
`;
