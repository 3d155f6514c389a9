// Gate HTTP calls (docs/protocol.md, "Gate: HTTP"): same origin, POST with a JSON body, JSON answer
// with an `error` field. Network failures come back as { error: -1 } so callers handle one shape.

const MESSAGES = {
  [-1]: "The server cannot be reached. Check your connection and try again.",
  1001: "Please check the fields: an e-mail with @, a name not only of digits, a password.",
  1002: "The service is not available right now. Please try again in a moment.",
  1003: "No valid code for this e-mail: ask for a new one.",
  1004: "That code is wrong.",
  1005: "This e-mail or user name is already registered.",
  1006: "The passwords do not match.",
  1007: "That user name does not belong to this e-mail.",
  1008: "The password could not be changed.",
  1009: "Wrong e-mail or password.",
  1010: "Your session has expired. Please log in again.",
  1011: "No such user.",
  1012: "Too many attempts. Please wait a little and try again.",
  1013: "That is too large to send.",
  1014: "The server had a problem; nothing was changed. Please try again.",
  1015: "You can only write to your friends.",
  1016: "The server did not understand that request.",
  1017: "Not logged in yet.",
  1018: "That message is too long.",
  1019: "That friend request no longer exists.",
  1020: "You cannot do that to yourself.",
};

export function errorText(code) {
  return MESSAGES[code] || `Something went wrong (error ${code}).`;
}

export async function post(path, body) {
  let response;
  try {
    response = await fetch(`/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return { error: -1 };
  }
  try {
    const answer = await response.json();
    if (answer && typeof answer === "object" && typeof answer.error === "number") return answer;
  } catch {
    // fall through: not JSON (404 text, proxy error page)
  }
  return { error: response.status === 413 ? 1013 : response.status === 503 ? 1012 : -1 };
}

export const requestCode = (email) => post("get_varifycode", { email });

export const register = ({ email, user, passwd, confirm, varifycode }) =>
  post("user_register", { email, user, passwd, confirm, icon: "", varifycode });

export const login = (email, passwd) => post("user_login", { email, passwd });

/// The chat node's WebSocket URL from a login answer (absent when the node has no WebSocket listener).
export const socketURL = (answer) => (typeof answer.ws === "string" && answer.ws) || null;
