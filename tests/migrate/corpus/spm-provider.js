// send-phone-message: voice vs sms, own wording, a provider answer
module.exports = function (recipient, text, context, cb) {
  var body = context.message_type === 'voice' ? context.language + ': ' + context.code : text;
  console.log('to ' + recipient + ': ' + body);
  setTimeout(function () { cb(null, { MessageID: 'm-' + context.code }); }, 2);
};
