// post-change-password: counts changes in webtask storage (no action equivalent)
var seen = 0;
module.exports = function (user, context, cb) {
  seen += 1;
  context.webtask.storage.get(function (err, data) {
    if (err) return cb(err);
    data = data || {};
    data[user.id] = (data[user.id] || 0) + 1;
    context.webtask.storage.set(data, cb);
  });
};
