package io.telmesh.xds;

import io.envoyproxy.controlplane.server.DefaultStartupConfigs;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc.ClusterDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc.EndpointDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc.ListenerDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc.RouteDiscoveryServiceImplBase;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The gRPC xDS services: ADS (state of the world and delta) and the per-type LDS/CDS/RDS/EDS
 * services, each behind a telmesh stream filter: state of the world is java-control-plane's
 * implementation, delta is telmesh's {@link DeltaStream}.
 */
public final class XdsServices implements AutoCloseable {

  private final V3DiscoveryServer server;
  private final StreamContext context;
  private final StreamExecutors executors;
  private final Set<XdsStreamFilter<?>> open = ConcurrentHashMap.newKeySet();

  public XdsServices(
      ProxyCache cache,
      ProxyRegistry registry,
      ProxyStatusTracker tracker,
      DebugResponder debug,
      int sendThreads) {
    this.executors = new StreamExecutors(sendThreads);
    this.server =
        new V3DiscoveryServer(
            List.of(), cache, executors, new PassThroughSerializer(), new DefaultStartupConfigs());
    this.context = new StreamContext(registry, cache, tracker, debug);
  }

  public List<BindableService> services() {
    AggregatedDiscoveryServiceImplBase ads = server.getAggregatedDiscoveryServiceImpl();
    ListenerDiscoveryServiceImplBase lds = server.getListenerDiscoveryServiceImpl();
    ClusterDiscoveryServiceImplBase cds = server.getClusterDiscoveryServiceImpl();
    RouteDiscoveryServiceImplBase rds = server.getRouteDiscoveryServiceImpl();
    EndpointDiscoveryServiceImplBase eds = server.getEndpointDiscoveryServiceImpl();
    return List.of(
        new AggregatedDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamAggregatedResources(
              StreamObserver<DiscoveryResponse> out) {
            return sotw(out, "", ads::streamAggregatedResources);
          }

          @Override
          public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
              StreamObserver<DeltaDiscoveryResponse> out) {
            return delta(out, "");
          }
        },
        new ListenerDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamListeners(
              StreamObserver<DiscoveryResponse> out) {
            return sotw(out, TypeUrls.LISTENER, lds::streamListeners);
          }

          @Override
          public StreamObserver<DeltaDiscoveryRequest> deltaListeners(
              StreamObserver<DeltaDiscoveryResponse> out) {
            return delta(out, TypeUrls.LISTENER);
          }
        },
        new ClusterDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamClusters(
              StreamObserver<DiscoveryResponse> out) {
            return sotw(out, TypeUrls.CLUSTER, cds::streamClusters);
          }

          @Override
          public StreamObserver<DeltaDiscoveryRequest> deltaClusters(
              StreamObserver<DeltaDiscoveryResponse> out) {
            return delta(out, TypeUrls.CLUSTER);
          }
        },
        new RouteDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamRoutes(
              StreamObserver<DiscoveryResponse> out) {
            return sotw(out, TypeUrls.ROUTE, rds::streamRoutes);
          }

          @Override
          public StreamObserver<DeltaDiscoveryRequest> deltaRoutes(
              StreamObserver<DeltaDiscoveryResponse> out) {
            return delta(out, TypeUrls.ROUTE);
          }
        },
        new EndpointDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamEndpoints(
              StreamObserver<DiscoveryResponse> out) {
            return sotw(out, TypeUrls.ENDPOINT, eds::streamEndpoints);
          }

          @Override
          public StreamObserver<DeltaDiscoveryRequest> deltaEndpoints(
              StreamObserver<DeltaDiscoveryResponse> out) {
            return delta(out, TypeUrls.ENDPOINT);
          }
        });
  }

  private StreamObserver<DiscoveryRequest> sotw(
      StreamObserver<DiscoveryResponse> raw,
      String defaultType,
      Function<StreamObserver<DiscoveryResponse>, StreamObserver<DiscoveryRequest>> library) {
    SotwStreamFilter filter = new SotwStreamFilter(context, defaultType);
    ResponseStream<DiscoveryResponse> out =
        new ResponseStream<>(
            (ServerCallStreamObserver<DiscoveryResponse>) raw, filter::sent, () -> closed(filter));
    filter.responses(out);
    filter.attach(library.apply(out));
    open.add(filter);
    return new TrackedObserver<>(filter, () -> closed(filter));
  }

  private StreamObserver<DeltaDiscoveryRequest> delta(
      StreamObserver<DeltaDiscoveryResponse> raw, String defaultType) {
    DeltaStreamFilter filter = new DeltaStreamFilter(context, defaultType, executors.next());
    ResponseStream<DeltaDiscoveryResponse> out =
        new ResponseStream<>(
            (ServerCallStreamObserver<DeltaDiscoveryResponse>) raw,
            filter::sent,
            () -> closed(filter));
    filter.responses(out);
    open.add(filter);
    return new TrackedObserver<>(filter, () -> closed(filter));
  }

  private void closed(XdsStreamFilter<?> filter) {
    filter.release();
    open.remove(filter);
  }

  /** Ends every open stream with UNAVAILABLE, so proxies reconnect (to another replica). */
  public void closeStreams(String reason) {
    for (XdsStreamFilter<?> filter : List.copyOf(open)) {
      filter.fail(Status.UNAVAILABLE.withDescription(reason));
      open.remove(filter);
    }
  }

  public int openStreams() {
    return open.size();
  }

  @Override
  public void close() {
    executors.close();
  }

  /** Forwards requests to a filter and forgets the stream when the client ends it. */
  private record TrackedObserver<Q>(StreamObserver<Q> filter, Runnable onEnd)
      implements StreamObserver<Q> {
    @Override
    public void onNext(Q value) {
      filter.onNext(value);
    }

    @Override
    public void onError(Throwable t) {
      filter.onError(t);
      onEnd.run();
    }

    @Override
    public void onCompleted() {
      filter.onCompleted();
      onEnd.run();
    }
  }
}
