// Attribute names of the directory a consultant knows (Microsoft Entra ID's user properties)
// -> the SCIM attribute Entra's default provisioning mapping sends them as, for E201's help.

/** Entra ID property (lowercase) -> the SCIM path its default attribute mapping sends it as. */
const entraSends: ReadonlyMap<string, { readonly entra: string; readonly scim: string }> = new Map(
  [
    { entra: 'objectId', scim: 'externalId' },
    { entra: 'userPrincipalName', scim: 'userName' },
    { entra: 'mail', scim: 'emails[type eq "work"].value' },
    { entra: 'givenName', scim: 'name.givenName' },
    { entra: 'surname', scim: 'name.familyName' },
    { entra: 'jobTitle', scim: 'title' },
    { entra: 'mobile', scim: 'phoneNumbers[type eq "mobile"].value' },
    { entra: 'employeeId', scim: 'enterprise.employeeNumber' },
    { entra: 'accountEnabled', scim: 'active' },
  ].map((a) => [a.entra.toLowerCase(), a]),
);

/** `Entra ID sends its objectId as \`externalId\`: write \`externalId\``, for a name SCIM does not have. */
export function foreignAttributeHelp(name: string): string | undefined {
  const a = entraSends.get(name.toLowerCase());
  return a ? `Entra ID sends its \`${a.entra}\` as \`${a.scim}\`: write \`${a.scim}\`` : undefined;
}
