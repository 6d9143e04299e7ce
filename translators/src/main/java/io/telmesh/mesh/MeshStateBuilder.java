package io.telmesh.mesh;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.telmesh.kube.Annotations;
import io.telmesh.kube.DestinationRuleReader;
import io.telmesh.kube.EndpointSliceReader;
import io.telmesh.kube.EndpointSliceReader.Slice;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.NetworkAttachmentReader;
import io.telmesh.kube.PodReader;
import io.telmesh.kube.ProblemSink;
import io.telmesh.kube.ServiceEntryReader;
import io.telmesh.kube.ServiceReader;
import io.telmesh.kube.SidecarReader;
import io.telmesh.kube.VirtualServiceReader;
import io.telmesh.model.ExportTo;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkAttachment;
import io.telmesh.model.NetworkSelection;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.SidecarConfig;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Kubernetes objects to a {@link MeshState}; never throws because of one object.
 *
 * <p>An instance remembers its previous build: an object handed over again (informers keep the same
 * instance until it changes) is not read again, and a Service's endpoints or a pod's ports are not
 * joined again unless one of their inputs changed. The result is the same as a fresh build; only
 * the work differs. {@link #next} is synchronized, since the memo is shared state; one push thread
 * calls it, so the lock is uncontended.
 */
public final class MeshStateBuilder {

  /** Separates input groups in memo keys, so inputs cannot shift between groups unnoticed. */
  private static final Object SEPARATOR = new Object();

  private final Memo<GenericKubernetesResource, Optional<NetworkAttachment>> networkReads =
      new Memo<>();
  private final Memo<Pod, Optional<Workload>> podReads = new Memo<>();
  private final Memo<Service, Optional<MeshService>> serviceReads = new Memo<>();
  private final Memo<EndpointSlice, Optional<Slice>> sliceReads = new Memo<>();
  private final Memo<MeshService, Map<Integer, List<ServiceEndpoint>>> endpointJoins = new Memo<>();
  private final Memo<Workload, WorkloadPorts> portJoins = new Memo<>();
  private final LastGoodReads<NetworkAttachment> lastGoodNetworks =
      new LastGoodReads<>("NetworkAttachmentDefinition");
  private final LastGoodReads<Workload> lastGoodPods = new LastGoodReads<>("Pod");
  private final LastGoodReads<MeshService> lastGoodServices = new LastGoodReads<>("Service");
  private final Memo<GenericKubernetesResource, Optional<DestinationRuleReader.DestinationRule>>
      ruleReads = new Memo<>();
  private final LastGoodReads<DestinationRuleReader.DestinationRule> lastGoodRules =
      new LastGoodReads<>(DestinationRuleReader.KIND);
  private final Memo<GenericKubernetesResource, Optional<VirtualServiceReader.VirtualService>>
      virtualServiceReads = new Memo<>();
  private final LastGoodReads<VirtualServiceReader.VirtualService> lastGoodVirtualServices =
      new LastGoodReads<>(VirtualServiceReader.KIND);
  private final Memo<GenericKubernetesResource, Optional<ServiceEntryReader.ServiceEntry>>
      entryReads = new Memo<>();
  private final LastGoodReads<ServiceEntryReader.ServiceEntry> lastGoodEntries =
      new LastGoodReads<>(ServiceEntryReader.KIND);
  private final Memo<GenericKubernetesResource, Optional<SidecarConfig>> sidecarReads =
      new Memo<>();
  private final LastGoodReads<SidecarConfig> lastGoodSidecars =
      new LastGoodReads<>(SidecarReader.KIND);

  /** A one-off build, sharing nothing with other builds. */
  public static MeshState build(KubeObjects objects) {
    return new MeshStateBuilder().next(objects);
  }

  /** What the last build kept, for a next view that changes only EndpointSlices. */
  private Optional<EndpointInputs> last = Optional.empty();

  private long fullBuilds;

  /** Builds the state for a new view, reusing what the previous view had unchanged. */
  public synchronized MeshState next(KubeObjects objects) {
    Optional<MeshState> endpointsOnly =
        last.flatMap(l -> EndpointChange.of(l, objects, s -> guarded(s, EndpointSliceReader::read)))
            .map(change -> endpointsOnly(last.get(), change));
    return endpointsOnly.orElseGet(() -> full(objects));
  }

  /**
   * The fast path of an endpoint change: only the changed slices are read and only their Services'
   * endpoints joined again; everything else is the previous state's, as a full build would find it.
   * Work proportional to what changed, bar copying the state's maps.
   */
  @SuppressWarnings("ReferenceEquality") // slices are memo inputs: their identity is the point
  private MeshState endpointsOnly(EndpointInputs previous, EndpointChange change) {
    List<Optional<Slice>> slices = new ArrayList<>(previous.slices());
    List<List<Problem>> sliceProblems = new ArrayList<>(previous.sliceProblems());
    Map<NamespacedName, List<Slice>> ordinary = new HashMap<>(previous.ordinary());
    Map<NamespacedName, List<Slice>> multus = new HashMap<>(previous.multus());
    IdentityHashMap<Slice, Slice> replaced = new IdentityHashMap<>();
    for (EndpointChange.Replaced slice : change.slices()) {
      slices.set(slice.index(), Optional.of(slice.now()));
      sliceProblems.set(slice.index(), slice.read().problems());
      replaced.put(slice.before(), slice.now());
      Map<NamespacedName, List<Slice>> group = slice.now().multusManaged() ? multus : ordinary;
      group.put(
          slice.now().service(),
          group.get(slice.now().service()).stream()
              .map(s -> s == slice.before() ? slice.now() : s)
              .toList());
    }
    PodLocalities localities = previous.localities().withSlicesReplaced(replaced);
    Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints =
        new HashMap<>(previous.state().endpoints());
    Map<NamespacedName, List<Problem>> joinProblems = new HashMap<>(previous.joinProblems());
    for (NamespacedName key : change.services()) {
      MeshService service = previous.state().services().get(key);
      if (service == null || service.external().isPresent()) {
        continue; // slices of a Service the mesh does not serve (or an entry's) join nothing
      }
      Memo.Result<Map<Integer, List<ServiceEndpoint>>> joined =
          join(service, ordinary, multus, previous.selection(), localities, endpointJoins::refresh);
      endpoints.put(key, joined.value());
      joinProblems.put(key, joined.problems());
    }
    change
        .slices()
        .forEach(slice -> sliceReads.replace(slice.objectBefore(), slice.object(), slice.read()));
    MeshState state =
        previous
            .state()
            .withEndpoints(
                endpoints, problems(previous.baseProblems(), sliceProblems, joinProblems));
    last =
        Optional.of(
            new EndpointInputs(
                change.objects(),
                slices,
                sliceProblems,
                ordinary,
                multus,
                localities,
                previous.selection(),
                previous.baseProblems(),
                joinProblems,
                state));
    return state;
  }

  private static List<Problem> problems(
      List<Problem> base, List<List<Problem>> slices, Map<NamespacedName, List<Problem>> joins) {
    List<Problem> all = new ArrayList<>(base);
    slices.forEach(all::addAll);
    joins.values().forEach(all::addAll);
    return all;
  }

  /** One Service's endpoints from its slices, selected pods and their localities, memoised. */
  private static Memo.Result<Map<Integer, List<ServiceEndpoint>>> join(
      MeshService service,
      Map<NamespacedName, List<Slice>> ordinary,
      Map<NamespacedName, List<Slice>> multus,
      Selection selection,
      PodLocalities localities,
      Joiner joiner) {
    List<Slice> own = ordinary.getOrDefault(service.key(), List.of());
    List<Slice> secondary = multus.getOrDefault(service.key(), List.of());
    List<Workload> selected = selection.selectedBy(service);
    List<Object> inputs = new ArrayList<>(own);
    inputs.add(SEPARATOR);
    inputs.addAll(secondary);
    inputs.add(SEPARATOR);
    inputs.addAll(selected);
    inputs.add(SEPARATOR);
    inputs.addAll(localities.inputsFor(EndpointResolver.podsOf(own, secondary, selected)));
    return joiner.join(
        service, inputs, s -> EndpointResolver.resolve(s, own, secondary, selected, localities));
  }

  /** {@link Memo#get} or {@link Memo#refresh}: a full build rolls its memo, the fast path not. */
  @FunctionalInterface
  private interface Joiner {
    Memo.Result<Map<Integer, List<ServiceEndpoint>>> join(
        MeshService service,
        List<Object> inputs,
        Function<MeshService, Memo.Result<Map<Integer, List<ServiceEndpoint>>>> compute);
  }

  /** Builds that went through every object (the others redid only some endpoints). */
  synchronized long fullBuilds() {
    return fullBuilds;
  }

  private MeshState full(KubeObjects objects) {
    fullBuilds++;
    ProblemSink problems = new ProblemSink();
    objects.sourceProblems().forEach(problems::add);

    SortedMap<NamespacedName, NetworkAttachment> networks =
        readAll(
            objects.networkAttachments(),
            networkReads,
            lastGoodNetworks,
            NetworkAttachmentReader::read,
            NetworkAttachment::key,
            "NetworkAttachmentDefinition",
            problems);
    SortedMap<NamespacedName, Workload> workloads =
        readAll(
            objects.pods(),
            podReads,
            lastGoodPods,
            PodReader::read,
            Workload::key,
            "Pod",
            problems);
    SortedMap<NamespacedName, MeshService> services =
        readAll(
            objects.services(),
            serviceReads,
            lastGoodServices,
            ServiceReader::read,
            MeshService::key,
            "Service",
            problems);
    SortedMap<NamespacedName, ServiceEntryReader.ServiceEntry> entryObjects =
        readAll(
            objects.istioObjects().stream().filter(ServiceEntryReader::isServiceEntry).toList(),
            entryReads,
            lastGoodEntries,
            ServiceEntryReader::read,
            ServiceEntryReader.ServiceEntry::key,
            ServiceEntryReader.KIND,
            problems);
    ServiceEntries.Result entries =
        ServiceEntries.apply(services, entryObjects, workloads, problems);
    services = entries.services();
    SortedMap<NamespacedName, DestinationRuleReader.DestinationRule> rules =
        readAll(
            objects.istioObjects().stream()
                .filter(DestinationRuleReader::isDestinationRule)
                .toList(),
            ruleReads,
            lastGoodRules,
            DestinationRuleReader::read,
            DestinationRuleReader.DestinationRule::key,
            DestinationRuleReader.KIND,
            problems);
    services = DestinationRules.apply(services, rules, problems);
    SortedMap<NamespacedName, VirtualServiceReader.VirtualService> virtualServices =
        readAll(
            objects.istioObjects().stream().filter(VirtualServiceReader::isVirtualService).toList(),
            virtualServiceReads,
            lastGoodVirtualServices,
            VirtualServiceReader::read,
            VirtualServiceReader.VirtualService::key,
            VirtualServiceReader.KIND,
            problems);
    services = VirtualServices.apply(services, virtualServices, problems);
    Map<ObjectRef, ExportTo> exports = new HashMap<>();
    for (Service service : objects.services()) {
      ServiceReader.exportTo(service, problems)
          .filter(e -> !e.getValue().isPublic())
          .ifPresent(e -> exports.put(e.getKey(), e.getValue()));
    }
    entryObjects
        .values()
        .forEach(e -> export(exports, ServiceEntryReader.KIND, e.key(), e.exportTo()));
    rules.values().forEach(r -> export(exports, DestinationRuleReader.KIND, r.key(), r.exportTo()));
    virtualServices
        .values()
        .forEach(v -> export(exports, VirtualServiceReader.KIND, v.key(), v.exportTo()));
    SortedMap<NamespacedName, SidecarConfig> sidecars =
        readAll(
            objects.istioObjects().stream().filter(SidecarReader::isSidecar).toList(),
            sidecarReads,
            lastGoodSidecars,
            SidecarReader::read,
            SidecarConfig::key,
            SidecarReader.KIND,
            problems);
    Sidecars.check(sidecars, workloads, problems);
    List<Slice> slices = new ArrayList<>();
    List<Optional<Slice>> sliceReadings = new ArrayList<>();
    List<List<Problem>> sliceProblems = new ArrayList<>();
    for (EndpointSlice slice : objects.endpointSlices()) {
      Memo.Result<Optional<Slice>> read =
          sliceReads.get(slice, List.of(), s -> guarded(s, EndpointSliceReader::read));
      sliceProblems.add(read.problems());
      sliceReadings.add(read.value());
      read.value().ifPresent(slices::add);
    }

    checkNetworkReferences(workloads, services, networks, problems);
    Selection selection = new Selection(services.values(), workloads.values());

    Map<NamespacedName, List<Slice>> ordinary = new HashMap<>();
    Map<NamespacedName, List<Slice>> multus = new HashMap<>();
    for (Slice slice : slices) {
      (slice.multusManaged() ? multus : ordinary)
          .computeIfAbsent(slice.service(), k -> new ArrayList<>())
          .add(slice);
    }
    PodLocalities localities =
        new PodLocalities(workloads, slices.stream().filter(s -> !s.multusManaged()).toList());
    Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints = new HashMap<>();
    Map<NamespacedName, List<Problem>> joinProblems = new HashMap<>();
    for (MeshService service : services.values()) {
      if (service.external().isPresent()) {
        endpoints.put(service.key(), entries.endpoints().getOrDefault(service.key(), Map.of()));
        continue;
      }
      Memo.Result<Map<Integer, List<ServiceEndpoint>>> joined =
          join(service, ordinary, multus, selection, localities, endpointJoins::get);
      joinProblems.put(service.key(), joined.problems());
      endpoints.put(service.key(), joined.value());
    }
    Map<NamespacedName, WorkloadPorts> workloadPorts = new HashMap<>();
    for (Workload workload : workloads.values()) {
      List<MeshService> selecting = selection.selecting(workload);
      Memo.Result<WorkloadPorts> joined =
          portJoins.get(
              workload, List.copyOf(selecting), w -> InboundPortResolver.resolve(w, selecting));
      joined.problems().forEach(problems::add);
      workloadPorts.put(workload.key(), joined.value());
    }

    lastGoodNetworks.roll();
    lastGoodPods.roll();
    lastGoodServices.roll();
    networkReads.roll();
    podReads.roll();
    serviceReads.roll();
    sliceReads.roll();
    endpointJoins.roll();
    portJoins.roll();
    ruleReads.roll();
    lastGoodRules.roll();
    virtualServiceReads.roll();
    lastGoodVirtualServices.roll();
    sidecarReads.roll();
    entryReads.roll();
    lastGoodEntries.roll();
    lastGoodSidecars.roll();
    List<Problem> base = problems.problems();
    MeshState state =
        new MeshState(
            workloads,
            services,
            endpoints,
            networks,
            workloadPorts,
            sidecars,
            exports,
            problems(base, sliceProblems, joinProblems));
    last =
        Optional.of(
            new EndpointInputs(
                objects,
                sliceReadings,
                sliceProblems,
                ordinary,
                multus,
                localities,
                selection,
                base,
                joinProblems,
                state));
    return state;
  }

  /**
   * Reads objects of one kind, each as its last reading without problems when it reads with
   * problems now; a second object with the same key is a problem and is dropped.
   */
  private static <I extends HasMetadata, O> SortedMap<NamespacedName, O> readAll(
      List<I> inputs,
      Memo<I, Optional<O>> memo,
      LastGoodReads<O> lastGood,
      BiFunction<I, ProblemSink, Optional<O>> reader,
      Function<O, NamespacedName> key,
      String kind,
      ProblemSink problems) {
    SortedMap<NamespacedName, O> result = new TreeMap<>();
    for (I input : inputs) {
      Memo.Result<Optional<O>> read = memo.get(input, List.of(), i -> guarded(i, reader));
      lastGood
          .choose(input, read.value(), read.problems(), problems)
          .ifPresent(
              value -> {
                NamespacedName k = key.apply(value);
                if (result.putIfAbsent(k, value) != null) {
                  problems.add(
                      new ObjectRef(kind, k.namespace(), k.name()),
                      "metadata.name",
                      "defined twice; the first definition is used");
                }
              });
    }
    return result;
  }

  private static void export(
      Map<ObjectRef, ExportTo> exports, String kind, NamespacedName key, ExportTo exportTo) {
    if (!exportTo.isPublic()) {
      exports.put(new ObjectRef(kind, key.namespace(), key.name()), exportTo);
    }
  }

  /** Runs a reader; a reader bug must not take the mesh down: the object is skipped and named. */
  private static <I, O> Memo.Result<Optional<O>> guarded(
      I input, BiFunction<I, ProblemSink, Optional<O>> reader) {
    ProblemSink sink = new ProblemSink();
    try {
      return new Memo.Result<>(reader.apply(input, sink), sink.problems());
    } catch (RuntimeException e) {
      String name =
          input instanceof HasMetadata h && h.getMetadata() != null
              ? String.valueOf(h.getMetadata().getName())
              : "";
      String namespace =
          input instanceof HasMetadata h && h.getMetadata() != null
              ? String.valueOf(h.getMetadata().getNamespace())
              : "";
      String kind = input instanceof HasMetadata h ? h.getKind() : input.getClass().getSimpleName();
      sink.add(
          new ObjectRef(kind == null ? "" : kind, namespace, name), "", "could not be read: " + e);
      return new Memo.Result<>(Optional.empty(), sink.problems());
    }
  }

  private static void checkNetworkReferences(
      SortedMap<NamespacedName, Workload> workloads,
      SortedMap<NamespacedName, MeshService> services,
      SortedMap<NamespacedName, NetworkAttachment> networks,
      ProblemSink problems) {
    for (Workload workload : workloads.values()) {
      ObjectRef pod = ObjectRef.pod(workload.key());
      for (NetworkSelection selection : workload.requestedNetworks()) {
        if (!networks.containsKey(selection.attachment())) {
          problems.add(
              pod,
              Annotations.field(Annotations.NETWORKS),
              "NetworkAttachmentDefinition " + selection.attachment() + " not found");
        }
      }
      for (PodInterface iface : workload.interfaces()) {
        if (!iface.isDefault()) {
          NamespacedName.parse(iface.network())
              .filter(n -> !networks.containsKey(n))
              .ifPresent(
                  n ->
                      problems.add(
                          pod,
                          Annotations.field(Annotations.NETWORK_STATUS),
                          "interface "
                              + iface.name()
                              + " is on NetworkAttachmentDefinition "
                              + n
                              + ", which is not known"));
        }
      }
    }
    for (MeshService service : services.values()) {
      service
          .serviceNetwork()
          .filter(n -> !networks.containsKey(n))
          .ifPresent(
              n ->
                  problems.add(
                      ObjectRef.service(service.key()),
                      Annotations.field(Annotations.SERVICE_NETWORK),
                      "NetworkAttachmentDefinition "
                          + n
                          + " not found; endpoints still come from the pods' network-status"));
    }
  }
}
