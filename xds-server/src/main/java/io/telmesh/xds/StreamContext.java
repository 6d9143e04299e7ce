package io.telmesh.xds;

import io.telmesh.status.ProxyStatusTracker;

/**
 * What every stream filter needs: where proxies register, where status goes, who answers debug
 * types.
 */
record StreamContext(
    ProxyRegistry registry, ProxyCache cache, ProxyStatusTracker tracker, DebugResponder debug) {}
