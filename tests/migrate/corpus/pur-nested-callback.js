// pre-user-registration: the callback passed down to a helper with a node-style callback
function check(email, done) {
  setTimeout(function () {
    if (/@spam\.test$/.test(email || '')) return done(new PreUserRegistrationError('spam', 'Sign-ups closed.'));
    done(null, { user: { user_metadata: { checked: true } } });
  }, 3);
}
module.exports = function (user, context, cb) {
  check(user.email, cb);
};
