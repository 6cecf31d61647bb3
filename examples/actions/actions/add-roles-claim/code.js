/**
 * post-login: put the user's roles (from RBAC) and plan into the ID and access tokens, under a
 * namespace of ours: Auth0 drops claims that are not namespaced or that use its own domains.
 */
const NAMESPACE = 'https://example.com/';

exports.onExecutePostLogin = async (event, api) => {
  const roles = event.authorization?.roles ?? [];
  const plan = event.user.app_metadata?.plan ?? 'free';
  api.idToken.setCustomClaim(`${NAMESPACE}roles`, roles);
  api.accessToken.setCustomClaim(`${NAMESPACE}roles`, roles);
  api.accessToken.setCustomClaim(`${NAMESPACE}plan`, plan);
  console.log(`${event.user.email ?? event.user.user_id}: ${roles.length} role(s), plan ${plan}`);
};
