package io.telmesh.xds;

import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc.ClusterDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc.EndpointDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc.ListenerDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc.RouteDiscoveryServiceImplBase;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.telmesh.auth.ProxyAuthorizer;
import io.telmesh.node.ProxyNode;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC xDS services: ADS (state of the world and delta) and the per-type LDS/CDS/RDS/EDS
 * services. Every call gets a stream filter in front of a telmesh stream ({@link SotwStream},
 * {@link DeltaStream}); the open ones are counted, and each leaves the count however it ends.
 */
public final class XdsServices implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(XdsServices.class);

  /**
   * How long a stream may hold send-buffer bytes its proxy does not read before they are written
   * off: far longer than a healthy proxy takes to read a full config, short enough that a few stuck
   * proxies do not hold up a push to everyone else for long.
   */
  static final Duration STALL_PATIENCE = Duration.ofSeconds(30);

  private final StreamContext context;
  private final StreamExecutors executors;
  private final CallExecutors calls;
  private final SendBudget budget;
  private final ScheduledExecutorService stallCheck =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "xds-stall-check");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicLong streams = new AtomicLong();
  private final Set<XdsStreamFilter<?, ?>> open = ConcurrentHashMap.newKeySet();

  public XdsServices(
      ProxyCache cache,
      ProxyRegistry registry,
      ProxyStatusTracker tracker,
      DebugResponder debug,
      ProxyAuthorizer authorizer,
      int sendThreads,
      long sendBuffer) {
    this.executors = new StreamExecutors(sendThreads);
    this.calls =
        new CallExecutors(
            services().stream()
                .map(service -> service.getServiceDescriptor().getName())
                .collect(java.util.stream.Collectors.toSet()));
    this.budget = new SendBudget(sendBuffer);
    var unused = stallCheck.scheduleWithFixedDelay(this::writeOffStalled, 5, 5, TimeUnit.SECONDS);
    this.context =
        new StreamContext(
            registry, cache, tracker, debug, authorizer, new RequestCompactor(), calls.pool());
  }

  /**
   * For a port whose interceptors may block (the secure port's authentication): each xDS call
   * starts on a pool and its later requests run on the transport thread that read them ({@link
   * CallExecutors}); other services' calls run on the pool.
   */
  public <T extends ServerBuilder<T>> T startCallsOnPool(T builder) {
    return builder.executor(calls.pool()).callExecutor(calls);
  }

  /** Where work too long for a transport thread goes: CSDS answers, debug-type answers. */
  public Executor offTransport() {
    return calls.pool();
  }

  /**
   * The services to serve. Their state-of-the-world methods send {@link EncodedResponse}s: the same
   * methods and messages on the wire, written from bytes encoded once for every proxy.
   */
  public List<ServerServiceDefinition> services() {
    return List.of(
        withEncodedSotw(
            new AggregatedDiscoveryServiceImplBase() {
              @Override
              public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
                  StreamObserver<DeltaDiscoveryResponse> out) {
                return delta(out, "");
              }
            },
            AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod(),
            ""),
        withEncodedSotw(
            new ListenerDiscoveryServiceImplBase() {
              @Override
              public StreamObserver<DeltaDiscoveryRequest> deltaListeners(
                  StreamObserver<DeltaDiscoveryResponse> out) {
                return delta(out, TypeUrls.LISTENER);
              }
            },
            ListenerDiscoveryServiceGrpc.getStreamListenersMethod(),
            TypeUrls.LISTENER),
        withEncodedSotw(
            new ClusterDiscoveryServiceImplBase() {
              @Override
              public StreamObserver<DeltaDiscoveryRequest> deltaClusters(
                  StreamObserver<DeltaDiscoveryResponse> out) {
                return delta(out, TypeUrls.CLUSTER);
              }
            },
            ClusterDiscoveryServiceGrpc.getStreamClustersMethod(),
            TypeUrls.CLUSTER),
        withEncodedSotw(
            new RouteDiscoveryServiceImplBase() {
              @Override
              public StreamObserver<DeltaDiscoveryRequest> deltaRoutes(
                  StreamObserver<DeltaDiscoveryResponse> out) {
                return delta(out, TypeUrls.ROUTE);
              }
            },
            RouteDiscoveryServiceGrpc.getStreamRoutesMethod(),
            TypeUrls.ROUTE),
        withEncodedSotw(
            new EndpointDiscoveryServiceImplBase() {
              @Override
              public StreamObserver<DeltaDiscoveryRequest> deltaEndpoints(
                  StreamObserver<DeltaDiscoveryResponse> out) {
                return delta(out, TypeUrls.ENDPOINT);
              }
            },
            EndpointDiscoveryServiceGrpc.getStreamEndpointsMethod(),
            TypeUrls.ENDPOINT));
  }

  /**
   * A generated service with its state-of-the-world method served by {@link #sotw} and marshalled
   * as {@link EncodedResponse}; its other methods (delta, and the fetch methods it leaves
   * unimplemented) and its schema, for reflection, stay as generated.
   */
  private ServerServiceDefinition withEncodedSotw(
      BindableService generated,
      MethodDescriptor<DiscoveryRequest, DiscoveryResponse> sotwMethod,
      String defaultType) {
    ServerServiceDefinition bound = generated.bindService();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : bound.getMethods()) {
      if (!method
          .getMethodDescriptor()
          .getFullMethodName()
          .equals(sotwMethod.getFullMethodName())) {
        methods.add(method);
      }
    }
    methods.add(
        ServerMethodDefinition.create(
            sotwMethod.toBuilder(sotwMethod.getRequestMarshaller(), EncodedResponse.MARSHALLER)
                .build(),
            ServerCalls.asyncBidiStreamingCall(out -> sotw(out, defaultType))));
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(bound.getServiceDescriptor().getName())
            .setSchemaDescriptor(bound.getServiceDescriptor().getSchemaDescriptor());
    methods.forEach(method -> descriptor.addMethod(method.getMethodDescriptor()));
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(service::addMethod);
    return service.build();
  }

  private StreamObserver<DiscoveryRequest> sotw(
      StreamObserver<EncodedResponse> raw, String defaultType) {
    SotwStreamFilter[] filter = new SotwStreamFilter[1];
    Executor serial = executors.next();
    filter[0] =
        new SotwStreamFilter(
            context,
            new ResponseStream<>(raw, EncodedResponse::size, budget, serial),
            defaultType,
            streams.incrementAndGet(),
            serial,
            () -> open.remove(filter[0]));
    open.add(filter[0]);
    return filter[0];
  }

  private StreamObserver<DeltaDiscoveryRequest> delta(
      StreamObserver<DeltaDiscoveryResponse> raw, String defaultType) {
    DeltaStreamFilter[] filter = new DeltaStreamFilter[1];
    Executor serial = executors.next();
    filter[0] =
        new DeltaStreamFilter(
            context,
            new ResponseStream<>(raw, DeltaDiscoveryResponse::getSerializedSize, budget, serial),
            defaultType,
            streams.incrementAndGet(),
            serial,
            () -> open.remove(filter[0]));
    open.add(filter[0]);
    return filter[0];
  }

  /** Ends every open stream with UNAVAILABLE, so proxies reconnect (to another replica). */
  public void closeStreams(String reason) {
    for (XdsStreamFilter<?, ?> filter : List.copyOf(open)) {
      filter.fail(Status.UNAVAILABLE.withDescription(reason));
    }
  }

  public int openStreams() {
    return open.size();
  }

  /** Bytes of responses handed to gRPC and not known to be written yet, across all streams. */
  public long sendBufferInUse() {
    return budget.inFlight();
  }

  /** Send-buffer bytes written off because their proxies stopped reading them. */
  public long sendBufferStalled() {
    return budget.stalled();
  }

  /** Streams whose next response waits for the send buffer. */
  public int streamsWaitingToSend() {
    return budget.waiting();
  }

  private void writeOffStalled() {
    long now = System.nanoTime();
    for (XdsStreamFilter<?, ?> filter : List.copyOf(open)) {
      long bytes = filter.out.writeOffIfStalled(now, STALL_PATIENCE.toNanos());
      if (bytes > 0) {
        ProxyNode node = filter.node();
        LOG.warn(
            "proxy {} has not read {} bytes of its config for {} s; they no longer hold back other"
                + " proxies' sends",
            node == null ? "?" : node.id(),
            bytes,
            STALL_PATIENCE.toSeconds());
      }
    }
  }

  @Override
  public void close() {
    stallCheck.shutdownNow();
    executors.close();
    calls.close();
  }
}
