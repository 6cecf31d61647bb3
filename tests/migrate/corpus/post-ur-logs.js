// post-user-registration: a hook that logs, with an arrow body
module.exports = (user, context, cb) => { console.log('signup', context.connection.name, user.id); cb(); };
