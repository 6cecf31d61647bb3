// credentials-exchange: look the plan up (a promise chain), deny unknown clients, claims in .then
function lookup(id) {
  return new Promise((resolve) => setTimeout(() => resolve(id === 'blocked' ? null : { plan: 'gold' }), 5));
}
module.exports = function (client, scope, audience, context, cb) {
  lookup(client.metadata.plan === 'blocked' ? 'blocked' : client.id)
    .then(function (account) {
      if (!account) return cb(new InvalidRequestError('unknown client ' + client.name));
      cb(null, { scope: scope, 'https://acme.io/plan': account.plan, 'https://acme.io/aud': audience });
    })
    .catch(cb);
};
