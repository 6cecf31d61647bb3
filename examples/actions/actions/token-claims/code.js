/**
 * credentials-exchange: the token-claims hook as an action. The client's plan and tenant go into
 * its access tokens; a client marked as blocked in its metadata is refused.
 */
const NAMESPACE = 'https://example.com/';

exports.onExecuteCredentialsExchange = async (event, api) => {
  // Client metadata values are always strings in Auth0, hence 'true' and not true.
  const metadata = event.client.metadata ?? {};
  if (metadata.blocked === 'true') {
    api.access.deny('invalid_request', `Client ${event.client.name} (${event.client.client_id}) is blocked`);
    return;
  }
  api.accessToken.setCustomClaim(`${NAMESPACE}plan`, metadata.plan ?? 'free');
  api.accessToken.setCustomClaim(`${NAMESPACE}tenant`, metadata.tenant ?? event.tenant.id);
};
