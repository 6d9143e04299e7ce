package io.telmesh.xds;

import io.telmesh.auth.ProxyAuthorizer;
import io.telmesh.status.ProxyStatusTracker;
import java.util.concurrent.Executor;

/**
 * What every stream filter needs: where proxies register, where status goes, who answers debug
 * types, who may read what, what makes queued requests cheap to hold, and where work too long for a
 * transport thread goes (requests arrive on one: {@link CallExecutors}).
 */
record StreamContext(
    ProxyRegistry registry,
    ProxyCache cache,
    ProxyStatusTracker tracker,
    DebugResponder debug,
    ProxyAuthorizer authorizer,
    RequestCompactor compactor,
    Executor offTransport) {}
