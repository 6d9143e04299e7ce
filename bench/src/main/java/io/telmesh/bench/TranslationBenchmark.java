package io.telmesh.bench;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.inbound.InboundClusterBuilder;
import io.telmesh.inbound.InboundListenerBuilder;
import io.telmesh.inbound.InboundPlan;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.node.ProxyNode;
import io.telmesh.outbound.VirtualOutboundBuilder;
import io.telmesh.resources.ProxyProfile;
import io.telmesh.resources.ProxyResources;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import io.telmesh.validate.CrossResourceValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Translation cost on the reference mesh (1000 Services, 2000 pods, 3 interfaces each): the
 * per-proxy part, the shared part built once per mesh version, and the mesh state itself.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar TranslationBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g"})
public class TranslationBenchmark {

  private KubeObjects[] flipping;
  private MeshStateBuilder incremental;
  private MeshTranslation lastIncremental;
  private int flips;

  @Setup(Level.Trial)
  public void setUp(ReferenceMesh reference) {
    flipping = new KubeObjects[] {reference.objects, withFirstEndpointNotReady(reference.objects)};
    incremental = new MeshStateBuilder();
    lastIncremental = Translator.prepare(incremental.next(reference.objects));
  }

  private static KubeObjects withFirstEndpointNotReady(KubeObjects objects) {
    List<EndpointSlice> slices = new ArrayList<>(objects.endpointSlices());
    slices.set(
        0,
        new EndpointSliceBuilder(slices.get(0))
            .editFirstEndpoint()
            .withNewConditions()
            .withReady(false)
            .endConditions()
            .endEndpoint()
            .build());
    return new KubeObjects(
        objects.services(), slices, objects.pods(), objects.networkAttachments(), List.of());
  }

  /**
   * What a push does once, before any proxy, after one endpoint changed: the incremental mesh state
   * (unchanged objects are not read again) and the shared translation reusing the previous one,
   * with its lazily built shared outbound part (built by the first proxy pushed).
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public ProxyResources endpointChangeShared(ReferenceMesh reference) {
    MeshState next = incremental.next(flipping[++flips % 2]);
    MeshTranslation translation = Translator.prepare(next, lastIncremental);
    ProxyResources first = translation.forProxy(reference.nodes.get(0));
    translation.forgetPrevious();
    lastIncremental = translation;
    return first;
  }

  /**
   * One proxy's resources in a mesh version that already translated its pod (shared outbound
   * referenced, own part from memory): what every push after the first costs per proxy.
   */
  @Benchmark
  public ProxyResources perProxy(ReferenceMesh reference) {
    return reference.nextProxy();
  }

  /**
   * A pod's own part translated for the first time (what {@code forProxy} does on a memo miss: a
   * new or changed pod): virtual listeners, the inbound listener's chains, inbound clusters.
   */
  @Benchmark
  public int ownPartFirstTranslation(ReferenceMesh reference) {
    ProxyNode node = reference.nextNode();
    Workload workload = reference.mesh.workload(node.pod()).orElseThrow();
    WorkloadPorts ports = reference.mesh.portsOf(workload.key());
    ProxyProfile profile = ProxyProfile.of(node, Optional.of(workload));
    InboundPlan plan = InboundPlan.of(workload, ports.inbound());
    Listener outbound = VirtualOutboundBuilder.build(profile, OutboundTrafficPolicy.ALLOW_ANY);
    Listener inbound = InboundListenerBuilder.build(workload, plan, profile);
    List<Cluster> clusters = InboundClusterBuilder.build(ports.inbound(), profile);
    return outbound.getFilterChainsCount() + inbound.getFilterChainsCount() + clusters.size();
  }

  /** Everything built once per mesh version: endpoints, shared outbound, proxyless. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public MeshTranslation sharedPerMeshVersion(ReferenceMesh reference) {
    return Translator.prepare(reference.mesh);
  }

  /** Kubernetes objects to the mesh model. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public MeshState meshState(ReferenceMesh reference) {
    return MeshStateBuilder.build(reference.objects);
  }

  /** Cross-resource validation of one proxy's full resource set (for the validation budget). */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int crossResourceValidationPerProxy(ReferenceMesh reference) {
    return CrossResourceValidator.validate(reference.nextProxy()).size();
  }
}
