/**
 * post-login: refuse users an operator has blocked in app_metadata, with a reason the support
 * team can find in the logs; everyone else goes on to the next action of the flow.
 */
exports.onExecutePostLogin = async (event, api) => {
  const blocked = event.user.app_metadata?.blocked;
  if (blocked) {
    console.warn(`blocked login for ${event.user.user_id}: ${blocked}`);
    api.access.deny(`This account is blocked: ${blocked}. Contact support.`);
  }
};
