/**
 * pre-user-registration: refuse signups from disposable email domains (plus one domain
 * set per environment through the DENIED_DOMAIN keyword), and start everyone else on a trial.
 */
var DENIED_DOMAINS = [
  'mailinator.com',
  'guerrillamail.com',
  'yopmail.com',
  '##DENIED_DOMAIN##' // replaced from [keywords] in hooktui.toml at run and deploy time
];

module.exports = function (user, context, cb) {
  // Passwordless SMS signups have no email: nothing to check.
  var email = (user.email || '').toLowerCase();
  var domain = email.slice(email.lastIndexOf('@') + 1);
  if (email && DENIED_DOMAINS.indexOf(domain) !== -1) {
    return cb(new PreUserRegistrationError(
      'Denied user registration in Pre-User Registration Hook',
      'Please sign up with your work email'
    ));
  }

  var userMetadata = Object.assign({}, user.user_metadata);
  var appMetadata = Object.assign({}, user.app_metadata, {
    plan: 'trial',
    signup_source: context.connection.name
  });
  // The referral code moves to app_metadata, which the user cannot edit afterwards.
  if (userMetadata.referral_code) {
    appMetadata.referral_code = userMetadata.referral_code;
    delete userMetadata.referral_code;
  }

  // Only these two keys of `user` apply to the new user.
  cb(null, { user: { user_metadata: userMetadata, app_metadata: appMetadata } });
};
