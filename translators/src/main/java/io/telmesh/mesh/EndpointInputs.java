package io.telmesh.mesh;

import io.telmesh.kube.EndpointSliceReader.Slice;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a build leaves for the next one to redo only a Service's endpoints: the view it was built
 * from, the slices as read (parallel to the view's EndpointSlices) and the joins' inputs, and the
 * problems by origin, so that a slice's or a join's can be replaced without the rest.
 *
 * @param slices the reading of each of {@code objects.endpointSlices()}, empty where it failed
 * @param sliceProblems the problems of each reading, parallel to {@code slices}
 * @param baseProblems every problem not from a slice reading or an endpoint join
 * @param joinProblems per Service, the problems of joining its endpoints
 *     <p>The collections are the builder's own and never changed after they are handed over: an
 *     endpoint change copies what it replaces, so the copies of the whole cost one pass each.
 */
record EndpointInputs(
    KubeObjects objects,
    List<Optional<Slice>> slices,
    List<List<Problem>> sliceProblems,
    Map<NamespacedName, List<Slice>> ordinary,
    Map<NamespacedName, List<Slice>> multus,
    PodLocalities localities,
    Selection selection,
    List<Problem> baseProblems,
    Map<NamespacedName, List<Problem>> joinProblems,
    MeshState state) {}
