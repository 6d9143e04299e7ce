// grpcpeer runs grpc-go, as a proxyless Istio workload would, for telmesh's
// end-to-end tests: plain gRPC backends, an xDS-managed gRPC server and an xDS
// client. The test drives it over stdin and reads one line per event on stdout;
// grpc-go's own log goes to stderr (GRPC_GO_LOG_SEVERITY_LEVEL decides how much).
//
//	grpcpeer backends ID=HOST:PORT...   plain servers; prints "READY" once all listen
//	grpcpeer xds-server HOST:PORT...    xds.NewGRPCServer on each address; prints
//	                                    "MODE HOST:PORT SERVING" or "MODE HOST:PORT NOT_SERVING <reason>"
//	grpcpeer client                     reads "call TARGET COUNT TIMEOUT_MS" lines, prints one JSON
//	                                    result per line (see callResult)
//
// Every server answers grpc.testing.TestService/UnaryCall with its id as
// server_id, so a test sees which backend each RPC reached. Each mode exits
// when stdin closes, so a test that dies leaves nothing behind.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	xdscreds "google.golang.org/grpc/credentials/xds"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/xds"
)

var (
	started = time.Now()
	outMu   sync.Mutex
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: grpcpeer backends ID=HOST:PORT... | xds-server HOST:PORT... | client")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "backends":
		backends(args)
	case "xds-server":
		xdsServer(args)
	case "client":
		client()
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "grpcpeer:", message)
	os.Exit(2)
}

func say(format string, args ...any) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Printf(format+"\n", args...)
}

// untilStdinCloses blocks until the test closes our stdin (or dies).
func untilStdinCloses() {
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
	}
}

type testService struct {
	testgrpc.UnimplementedTestServiceServer
	id string
}

func (s testService) UnaryCall(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	id := s.id
	if id == "" {
		// One server on several listeners: the address the call came in on names it.
		if p, ok := peer.FromContext(ctx); ok && p.LocalAddr != nil {
			id = "xds:" + p.LocalAddr.String()
		}
	}
	return &testgrpc.SimpleResponse{ServerId: id, Hostname: id}, nil
}

func (s testService) EmptyCall(context.Context, *testgrpc.Empty) (*testgrpc.Empty, error) {
	return &testgrpc.Empty{}, nil
}

func backends(args []string) {
	if len(args) == 0 {
		fail("backends: no ID=HOST:PORT given")
	}
	for _, arg := range args {
		id, address, ok := strings.Cut(arg, "=")
		if !ok {
			fail("backends: want ID=HOST:PORT, got " + arg)
		}
		lis, err := net.Listen("tcp", address)
		if err != nil {
			fail(fmt.Sprintf("backends: %s: %v", address, err))
		}
		server := grpc.NewServer()
		testgrpc.RegisterTestServiceServer(server, testService{id: id})
		go func() { _ = server.Serve(lis) }()
	}
	say("READY")
	untilStdinCloses()
}

// xdsServer is a proxyless gRPC server as Istio runs one: its listeners come
// from the control plane (server_listener_resource_name_template in the
// bootstrap), with the xDS credentials falling back to plaintext.
func xdsServer(addresses []string) {
	if len(addresses) == 0 {
		fail("xds-server: no HOST:PORT given")
	}
	creds, err := xdscreds.NewServerCredentials(xdscreds.ServerOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		fail("xds-server: credentials: " + err.Error())
	}
	server, err := xds.NewGRPCServer(
		grpc.Creds(creds),
		xds.ServingModeCallback(func(addr net.Addr, args xds.ServingModeChangeArgs) {
			if args.Err != nil {
				say("MODE %s %s %s", addr, args.Mode, oneLine(args.Err.Error()))
			} else {
				say("MODE %s %s", addr, args.Mode)
			}
		}))
	if err != nil {
		fail("xds-server: " + err.Error())
	}
	testgrpc.RegisterTestServiceServer(server, testService{})
	for _, address := range addresses {
		lis, err := net.Listen("tcp", address)
		if err != nil {
			fail(fmt.Sprintf("xds-server: %s: %v", address, err))
		}
		go func() { _ = server.Serve(lis) }()
	}
	untilStdinCloses()
	server.Stop()
}

// callResult is what one "call" line prints.
type callResult struct {
	Target string `json:"target"`
	// Servers counts the RPCs each server id answered.
	Servers map[string]int `json:"servers"`
	// Errors counts failed RPCs by status code and message.
	Errors map[string]int `json:"errors"`
	// FirstOkMs is the time from this process's start to its first successful RPC on any
	// target; 0 until there has been one.
	FirstOkMs int64  `json:"first_ok_ms"`
	State     string `json:"state"`
}

type channels struct {
	creds   grpc.DialOption
	conns   map[string]*grpc.ClientConn
	firstOk time.Duration
}

func client() {
	creds, err := xdscreds.NewClientCredentials(xdscreds.ClientOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		fail("client: credentials: " + err.Error())
	}
	c := &channels{creds: grpc.WithTransportCredentials(creds), conns: map[string]*grpc.ClientConn{}}
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) != 4 || fields[0] != "call" {
			say(`{"error":%q}`, "want: call TARGET COUNT TIMEOUT_MS")
			continue
		}
		count, err1 := strconv.Atoi(fields[2])
		timeout, err2 := strconv.Atoi(fields[3])
		if err1 != nil || err2 != nil {
			say(`{"error":%q}`, "COUNT and TIMEOUT_MS are integers")
			continue
		}
		result := c.call(fields[1], count, time.Duration(timeout)*time.Millisecond)
		line, _ := json.Marshal(result)
		say("%s", line)
	}
	for _, conn := range c.conns {
		conn.Close()
	}
}

// call makes count RPCs one after the other, each waiting up to timeout for the
// channel to become ready, so the first call on a new target includes the xDS
// resolution.
func (c *channels) call(target string, count int, timeout time.Duration) callResult {
	result := callResult{Target: target, Servers: map[string]int{}, Errors: map[string]int{}}
	conn, ok := c.conns[target]
	if !ok {
		var err error
		conn, err = grpc.NewClient(target, c.creds)
		if err != nil {
			result.Errors["NewClient: "+oneLine(err.Error())] = count
			return result
		}
		c.conns[target] = conn
	}
	stub := testgrpc.NewTestServiceClient(conn)
	for i := 0; i < count; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		response, err := stub.UnaryCall(ctx, &testgrpc.SimpleRequest{FillServerId: true}, grpc.WaitForReady(true))
		cancel()
		if err != nil {
			s := status.Convert(err)
			code := s.Code()
			if code == codes.DeadlineExceeded {
				// A deadline says only that nothing answered: name the channel's state too.
				result.Errors[fmt.Sprintf("%s (channel %s)", code, conn.GetState())]++
			} else {
				result.Errors[fmt.Sprintf("%s: %s", code, oneLine(s.Message()))]++
			}
			continue
		}
		if c.firstOk == 0 {
			c.firstOk = time.Since(started)
		}
		result.Servers[response.GetServerId()]++
	}
	result.FirstOkMs = c.firstOk.Milliseconds()
	result.State = conn.GetState().String()
	return result
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
