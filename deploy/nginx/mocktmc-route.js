// The key nginx hashes to choose a mocktmc server (njs; nginx.conf: js_set $mocktmc_route route.key).
//
// Every call of one TMC token must reach the one server that holds its account, and its control calls with them:
//   - X-Mocktmc-Token (mocktmc's Control.for_token sends it on control calls): that token;
//   - Authorization: Bearer <token>: the token, except a token mocktmc's token endpoint issued (a JWT whose iss
//     is "mocktmc"): its sub, the service account's client id, prefixed "sa:";
//   - Authorization: Basic <id:secret> (the token endpoint): "sa:" + the client id, so that the token it issues
//     routes back to the server that issued it;
//   - ?token= (GET /_mocktmc/report?token=): that token;
//   - nothing of these (health, contracts, docs, log downloads, webhooks): "any", one server for all of them.
function bearer(r) {
    var header = (r.headersIn['X-Mocktmc-Token'] || '').trim();
    if (header) {
        return header;
    }
    var authorization = (r.headersIn['Authorization'] || '').trim();
    var space = authorization.indexOf(' ');
    if (space > 0) {
        var scheme = authorization.slice(0, space).toLowerCase();
        var credentials = authorization.slice(space + 1).trim();
        if (scheme === 'basic') {
            var pair = Buffer.from(credentials, 'base64').toString();
            var colon = pair.indexOf(':');
            return {client: colon >= 0 ? pair.slice(0, colon) : pair};
        }
        if (scheme === 'bearer' && credentials) {
            return credentials;
        }
    }
    return r.args.token || '';
}

function issuedTo(token) {
    var parts = token.split('.');
    if (parts.length !== 3) {
        return null;
    }
    try {
        var claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
        return claims.iss === 'mocktmc' && typeof claims.sub === 'string' ? claims.sub : null;
    } catch (e) {
        return null;  // not a JWT after all: the token is its own key
    }
}

function key(r) {
    var found = bearer(r);
    if (typeof found === 'object') {
        return 'sa:' + found.client;
    }
    if (!found) {
        return 'any';
    }
    var client = issuedTo(found);
    return client !== null ? 'sa:' + client : found;
}

export default {key};
