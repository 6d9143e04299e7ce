package io.telmesh.e2e.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.e2e.peers.Peers;
import io.telmesh.e2e.serve.TestPods;
import io.telmesh.e2e.xds.SotwSidecar;
import io.telmesh.testing.ServeProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The mesh page in a real browser: Debian's headless chromium, driven by Selenium through
 * chromium-driver, against {@code telmesh serve} (its own process) on a copy of the demo's
 * manifests, with three sidecars connected, one of them NACKing its listeners. Screenshots go to
 * {@code target/screenshots/}; {@code -Dscreenshot.update=true} also replaces the one in docs/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshPageBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final String NACK =
      "Error adding/updating listener(s) virtualInbound: simulated refusal for the page test";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Path manifests;
  private Path screenshots;
  private ServeProcess serve;
  private final List<SotwSidecar> sidecars = new ArrayList<>();
  private ChromeDriver browser;
  private final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  void start() throws Exception {
    assertThat(CHROMIUM).as("Debian's chromium (.ci/run installs it)").isExecutable();
    assertThat(DRIVER).as("Debian's chromium-driver (.ci/run installs it)").isExecutable();
    Path work = Files.createTempDirectory("telmesh-page");
    manifests = Files.createDirectories(work.resolve("manifests"));
    try (Stream<Path> files = Files.list(Peers.repoRoot().resolve("examples/telco"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        if (!file.getFileName().toString().equals("kustomization.yaml")) {
          Files.copy(file, manifests.resolve(file.getFileName()));
        }
      }
    }
    screenshots = Files.createDirectories(Path.of("target", "screenshots"));
    serve = ServeProcess.start(work.resolve("serve.log"), "--manifests", manifests.toString());
    serve.awaitReady(Duration.ofSeconds(60));
    int xds = serve.xdsPort();
    sidecars.add(new SotwSidecar(xds, "hss-0", "telco", "10.244.2.20"));
    sidecars.add(new SotwSidecar(xds, "amf-0", "telco", "10.244.1.10"));
    sidecars.add(
        new SotwSidecar(xds, "dra-0", "telco", "10.244.2.21", Optional.of(SotwSidecar.LDS), NACK));

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // root in CI has no user namespace sandbox; /dev/shm is small in containers
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1500,2200");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(DRIVER.toFile())
            .usingAnyFreePort()
            .withLogFile(work.resolve("chromedriver.log").toFile())
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    sidecars.forEach(SotwSidecar::close);
    if (serve != null) {
      serve.close();
    }
  }

  private JsonNode api(String path) throws Exception {
    return json.readTree(serve.get(path).body());
  }

  private String page() {
    return "http://127.0.0.1:" + serve.monitoringPort() + "/";
  }

  /**
   * A card's text. The page redraws when the data changes (a proxy ACKs, a manifest changes), so an
   * element found a moment ago may be gone: read again then.
   */
  private String card(String kind, String name) {
    return new WebDriverWait(browser, WAIT)
        .ignoring(StaleElementReferenceException.class)
        .until(b -> b.findElement(By.cssSelector("[data-" + kind + "='" + name + "']")).getText());
  }

  private void screenshot(String name) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), screenshots.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @Order(1)
  void rendersEveryNetworkPodAndInterfaceOfTheDemo() throws Exception {
    browser.get(page());
    new WebDriverWait(browser, WAIT)
        .until(b -> !b.findElements(By.cssSelector("[data-pod='telco/upf-0']")).isEmpty());

    // The demo, as its manifests say (not as the JSON says, so an empty answer cannot pass).
    List<String> networks =
        List.of("default", "telco/ran", "telco/signaling", "telco/sriov-n3", "telco/user-plane");
    List<String> pods =
        List.of(
            "telco/amf-0",
            "telco/db-0",
            "telco/db-1",
            "telco/dra-0",
            "telco/hss-0",
            "telco/ocs-0",
            "telco/smf-0",
            "telco/upf-0");
    List<String> shownNetworks =
        browser.findElements(By.cssSelector("[data-network]")).stream()
            .map(e -> e.getAttribute("data-network"))
            .toList();
    assertThat(shownNetworks).containsExactlyElementsOf(networks);
    List<String> shownPods =
        browser.findElements(By.cssSelector("[data-pod]")).stream()
            .map(e -> e.getAttribute("data-pod"))
            .toList();
    assertThat(shownPods).containsExactlyElementsOf(pods);
    assertThat(card("network", "telco/signaling"))
        .contains("telco/hss-0", "net1", "192.168.50.20", "fd00:50::20", "telco/hss", "macvlan");
    assertThat(card("network", "telco/user-plane")).contains("telco/upf-0", "192.168.70.40");

    // Every interface and address the server reports appears on the page, in its network's card
    // and in its pod's card.
    JsonNode mesh = api("/api/v1/mesh");
    int interfaces = 0;
    for (JsonNode pod : mesh.get("pods")) {
      String podCard = card("pod", pod.get("pod").asString());
      for (JsonNode iface : pod.get("interfaces")) {
        interfaces++;
        String networkCard = card("network", iface.get("network").asString());
        assertThat(podCard).contains(iface.get("name").asString());
        for (JsonNode address : iface.get("addresses")) {
          assertThat(podCard).contains(address.asString());
          assertThat(networkCard).contains(address.asString());
        }
      }
    }
    assertThat(interfaces).isEqualTo(15);

    // What is caught and what bypasses the sidecar, with the reason.
    String upf = card("pod", "telco/upf-0");
    assertThat(upf)
        .contains("2152/UDP", "UDP is never proxied")
        .contains("listed in traffic.sidecar.istio.io/excludeInterfaces")
        .contains("9100/TCP");
    String hss = card("pod", "telco/hss-0");
    assertThat(hss)
        .contains("3868/SCTP", "SCTP is never proxied", "3868/TCP", "diameter on eth0, net1");
    screenshot("mesh-page.png");
  }

  @Test
  @Order(2)
  void showsEachProxysSyncStateAndTheNack() throws Exception {
    browser.get(page());
    String lds =
        new WebDriverWait(browser, WAIT)
            .ignoring(StaleElementReferenceException.class)
            .until(
                b -> {
                  WebElement dra = b.findElement(By.cssSelector("[data-pod='telco/dra-0']"));
                  return dra.getAttribute("class").contains("nacked")
                      ? dra.findElement(By.cssSelector("[data-type='LDS']")).getText()
                      : null;
                });
    assertThat(lds).contains("NACKED", NACK);
    new WebDriverWait(browser, WAIT)
        .ignoring(StaleElementReferenceException.class)
        .until(
            b ->
                b.findElement(By.cssSelector("[data-pod='telco/hss-0'] [data-type='LDS']"))
                    .getText()
                    .contains("SYNCED"));
    String hss = card("pod", "telco/hss-0");
    assertThat(hss).contains("CDS SYNCED", "LDS SYNCED").doesNotContain("NACKED");
    assertThat(card("pod", "telco/ocs-0")).contains("no proxy connected");
    screenshot("mesh-page-nack.png");
    if (Boolean.getBoolean("screenshot.update")) {
      Files.copy(
          screenshots.resolve("mesh-page-nack.png"),
          Peers.repoRoot().resolve("docs/images/mesh-page.png"),
          StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  @Order(3)
  void updatesWhenAManifestChanges() throws Exception {
    browser.get(page());
    new WebDriverWait(browser, WAIT)
        .until(b -> !b.findElements(By.cssSelector("[data-pod='telco/upf-0']")).isEmpty());
    assertThat(browser.findElements(By.cssSelector("[data-pod='telco/pcf-0']"))).isEmpty();
    String generation = browser.findElement(By.tagName("body")).getAttribute("data-generation");

    Files.writeString(manifests.resolve("50-pcf.yaml"), TestPods.pcf());
    // The page polls; no reload here.
    String signaling =
        new WebDriverWait(browser, WAIT)
            .ignoring(StaleElementReferenceException.class)
            .until(
                b -> {
                  String text =
                      b.findElement(By.cssSelector("[data-network='telco/signaling']")).getText();
                  return text.contains("192.168.50.23") ? text : null;
                });
    assertThat(signaling).contains("telco/pcf-0");
    assertThat(card("pod", "telco/pcf-0")).contains("3868/TCP", "diameter on eth0, net1");
    assertThat(browser.findElement(By.tagName("body")).getAttribute("data-generation"))
        .isNotEqualTo(generation);
    screenshot("mesh-page-updated.png");
  }

  @Test
  @Order(4)
  void showsHostileTextAsTextAndThePodAsRefused() throws Exception {
    String hostile = "<img src=x onerror=document.title='owned'>";
    String pod =
        Files.readString(manifests.resolve("50-pcf.yaml"))
            .replace("name: pcf-0", "name: evil-0")
            .replace("10.244.2.23", "10.244.2.24")
            .replace("192.168.50.23", "192.168.50.24")
            .replace(
                "    k8s.v1.cni.cncf.io/networks: signaling\n",
                "    k8s.v1.cni.cncf.io/networks: signaling\n"
                    + "    traffic.sidecar.istio.io/excludeInboundPorts: \""
                    + hostile
                    + "\"\n");
    assertThat(pod).contains(hostile);
    Files.writeString(manifests.resolve("60-evil.yaml"), pod);
    browser.get(page());
    String problems =
        new WebDriverWait(browser, WAIT)
            .ignoring(StaleElementReferenceException.class)
            .until(
                b -> {
                  String text = b.findElement(By.id("problems")).getText();
                  return text.contains("evil-0") ? text : null;
                });
    assertThat(problems)
        .contains(
            "Pod telco/evil-0 metadata.annotations[traffic.sidecar.istio.io/excludeInboundPorts]",
            "'" + hostile + "' is not a port");
    assertThat(browser.findElements(By.tagName("img"))).isEmpty();
    assertThat(browser.getTitle()).isEqualTo("telmesh: mesh by network");
    String evil = card("pod", "telco/evil-0");
    assertThat(evil).contains("REFUSED", "no capture rules");
    screenshot("mesh-page-hostile.png");
  }
}
