// post-change-password: a promise chain that ends in cb either way
function notify(payload) { return Promise.resolve({ ok: true, payload }); }
module.exports = function (user, context, cb) {
  notify({ email: user.email, at: user.last_password_reset })
    .then(function () { console.log('notified ' + user.id); cb(); })
    .catch(function (err) { console.error(err.message); cb(); });
};
