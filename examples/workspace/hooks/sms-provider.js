/**
 * send-phone-message: deliver MFA codes through an SMS/voice provider's HTTP API.
 * With the secret DRY_RUN set to "true" it logs the request and answers a fake MessageID.
 */
var https = require('https');

var PROVIDER_URL = 'https://sms.example.com/v1/messages'; // your provider's endpoint
var TIMEOUT_MS = 5000;

module.exports = function (recipient, text, context, cb) {
  var secrets = (context.webtask && context.webtask.secrets) || {};
  // Accept the usual ways people write numbers ("+44 7700 900123", "1-808-555-5555"),
  // then send the provider digits only: E.164 allows at most 15.
  var digits = String(recipient).replace(/[\s().-]/g, '');
  if (!/^\+?[0-9]{7,15}$/.test(digits)) {
    return cb(new SendPhoneMessageError(
      'Recipient "' + recipient + '" is not a phone number',
      'We could not send a code to this phone number'
    ));
  }

  // Text-to-speech reads "482913" as a number; spaced digits are read one by one.
  var spoken = String(context.code).split('').join(' ');
  var body = context.message_type === 'voice' ? 'Your verification code is ' + spoken + '. Again: ' + spoken + '.' : text;
  var request = { from: secrets.SMS_FROM, to: digits, channel: context.message_type, language: context.language, body: body };

  if (secrets.DRY_RUN === 'true') {
    console.log('sms-provider: dry run, would send ' + JSON.stringify(request));
    return cb(null, { MessageID: 'dry-run-' + (context.code || Date.now()) });
  }

  var called = false;
  function done(err, result) {
    if (called) return; // 'error' can follow 'timeout' or a response
    called = true;
    if (err) return cb(new SendPhoneMessageError('SMS provider: ' + err.message, 'We could not send your code, please try again'));
    cb(null, result);
  }
  var payload = JSON.stringify(request);
  var req = https.request(PROVIDER_URL, {
    method: 'POST',
    headers: { 'Authorization': 'Bearer ' + secrets.SMS_API_KEY, 'Content-Type': 'application/json' },
    timeout: TIMEOUT_MS
  }, function (res) {
    var chunks = [];
    res.on('data', function (c) { chunks.push(c); });
    res.on('end', function () {
      var answer = {};
      try { answer = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch (e) { /* not JSON */ }
      if (res.statusCode >= 300) return done(new Error('HTTP ' + res.statusCode));
      done(null, { MessageID: answer.id || answer.message_id || 'unknown' });
    });
  });
  req.on('timeout', function () { req.destroy(new Error('no answer within ' + TIMEOUT_MS + ' ms')); });
  req.on('error', done);
  req.end(payload);
};
