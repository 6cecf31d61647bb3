// pre-user-registration: callbacks in every branch, an error of each kind, metadata built up
module.exports = function (user, context, cb) {
  var meta = { source: context.connection.name };
  if (!user.email) {
    cb(null, { user: { app_metadata: { kind: 'phone' } } });
    return;
  }
  if (user.email.indexOf('+') !== -1) {
    return cb(new PreUserRegistrationError('plus address', 'Please use your main address'));
  }
  switch (user.email.split('@')[1]) {
    case 'blocked.example':
      return cb(new PreUserRegistrationError('blocked domain'));
    default:
      meta.domain = user.email.split('@')[1];
  }
  cb(null, { user: { app_metadata: meta, user_metadata: user.user_metadata } });
};
