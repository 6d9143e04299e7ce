package io.telmesh.ca;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.telmesh.auth.AuthInterceptor;
import io.telmesh.auth.Identity;
import io.telmesh.proto.istio.auth.IstioCertificateRequest;
import io.telmesh.proto.istio.auth.IstioCertificateResponse;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateService}, on the secure port: istio-agent sends its
 * pod's token and a signing request, and gets the certificate of the token's service account.
 * Callers without a service account (an operator's certificate, a user's token) get nothing.
 */
public final class IstioCertificateService implements BindableService {

  public static final String SERVICE = "istio.v1.auth.IstioCertificateService";

  /** The one method, bound with grpc-java's descriptors over the generated messages. */
  public static final MethodDescriptor<IstioCertificateRequest, IstioCertificateResponse>
      CREATE_CERTIFICATE =
          MethodDescriptor.<IstioCertificateRequest, IstioCertificateResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(
                  MethodDescriptor.generateFullMethodName(SERVICE, "CreateCertificate"))
              .setRequestMarshaller(
                  ProtoUtils.marshaller(IstioCertificateRequest.getDefaultInstance()))
              .setResponseMarshaller(
                  ProtoUtils.marshaller(IstioCertificateResponse.getDefaultInstance()))
              .build();

  private static final Logger LOG = LoggerFactory.getLogger(IstioCertificateService.class);

  private final WorkloadCertificates certificates;

  public IstioCertificateService(WorkloadCertificates certificates) {
    this.certificates = certificates;
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(CREATE_CERTIFICATE, ServerCalls.asyncUnaryCall(this::createCertificate))
        .build();
  }

  private void createCertificate(
      IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
    Optional<Identity> caller = AuthInterceptor.caller();
    Optional<Identity.ServiceAccountName> account = caller.flatMap(Identity::serviceAccount);
    if (account.isEmpty()) {
      String who = caller.map(Identity::describe).orElse("an unauthenticated caller");
      LOG.warn("refused a workload certificate to {}: not a service account", who);
      response.onError(
          Status.PERMISSION_DENIED
              .withDescription(
                  "workload certificates are issued to service accounts only; " + who + " is none")
              .asRuntimeException());
      return;
    }
    try {
      WorkloadCertificates.Issued issued =
          certificates.sign(request.getCsr(), request.getValidityDuration(), account.get());
      LOG.info(
          "issued workload certificate {} to {}, valid until {}",
          issued.spiffeId(),
          caller.get().describe(),
          issued.notAfter());
      response.onNext(
          IstioCertificateResponse.newBuilder().addAllCertChain(issued.chainPem()).build());
      response.onCompleted();
    } catch (WorkloadCertificates.RefusedException e) {
      LOG.warn("refused a workload certificate to {}: {}", caller.get().describe(), e.getMessage());
      response.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }
}
