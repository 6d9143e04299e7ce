package io.telmesh.xds;

import io.telmesh.auth.ProxyAuthorizer;
import io.telmesh.status.ProxyStatusTracker;

/**
 * What every stream filter needs: where proxies register, where status goes, who answers debug
 * types, who may read what, and what makes queued requests cheap to hold.
 */
record StreamContext(
    ProxyRegistry registry,
    ProxyCache cache,
    ProxyStatusTracker tracker,
    DebugResponder debug,
    ProxyAuthorizer authorizer,
    RequestCompactor compactor) {}
