// credentials-exchange: async/await with an early return and a secret
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
module.exports = async function (client, scope, audience, context, cb) {
  await wait(2);
  if (audience !== 'https://my-tenant.auth0.com/api/v2/') {
    return cb(new InvalidScopeError('audience not allowed'));
  }
  const key = context.webtask.secrets.SIGNING_KEY;
  cb(null, { scope, 'https://acme.io/key-id': key.slice(0, 4) });
};
