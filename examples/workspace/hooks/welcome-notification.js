/**
 * post-user-registration: announce each new user in a Slack channel through an incoming webhook.
 * With the secret DRY_RUN set to "true" it only logs the message it would send.
 */
var https = require('https');

var TIMEOUT_MS = 5000;

module.exports = function (user, context, cb) {
  var secrets = (context.webtask && context.webtask.secrets) || {};
  var who = user.username || user.email || user.phoneNumber || user.id;
  var message = {
    text: '[##ENV##] New user: ' + who + ' signed up with ' + context.connection.name,
    attachments: [{
      fields: [
        { title: 'Email', value: user.email || '(none)', short: true },
        { title: 'Plan', value: (user.app_metadata && user.app_metadata.plan) || 'unknown', short: true }
      ]
    }]
  };
  console.log('welcome-notification: ' + JSON.stringify(message));

  if (secrets.DRY_RUN === 'true' || !secrets.SLACK_WEBHOOK_URL) {
    console.log('welcome-notification: dry run, nothing posted');
    return cb();
  }

  // The signup has already happened and Auth0 ignores our result, so a failed post is logged,
  // never returned; cb() is guarded because 'error' can follow 'timeout' or a response.
  var called = false;
  function done(err) {
    if (called) return;
    called = true;
    if (err) console.error('welcome-notification: Slack post failed: ' + err.message);
    cb();
  }
  var body = JSON.stringify(message);
  var req = https.request(secrets.SLACK_WEBHOOK_URL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    timeout: TIMEOUT_MS
  }, function (res) {
    res.resume();
    res.on('end', function () {
      done(res.statusCode >= 300 ? new Error('HTTP ' + res.statusCode) : null);
    });
  });
  req.on('timeout', function () { req.destroy(new Error('no answer within ' + TIMEOUT_MS + ' ms')); });
  req.on('error', done);
  req.end(body);
};
