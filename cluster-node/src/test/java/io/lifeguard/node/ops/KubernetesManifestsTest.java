package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.lifeguard.node.admin.AdminSettings;
import io.lifeguard.node.config.NodeSettings;
import io.lifeguard.node.testing.Processes;
import io.lifeguard.node.testing.RequiredTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ops/k8s: every file is valid YAML (parsed by PyYAML, the only YAML parser on this machine; no
 * Java YAML library is on the classpath) and the objects say what the operations issue asks for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesManifestsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Debian's interpreter, where python3-yaml installs (a pyenv or venv python3 on PATH may lack it). */
  private static final String PYTHON = "/usr/bin/python3";
  private static final String TO_JSON =
      "import json,sys,yaml\nprint(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))";
  private final Map<String, JsonNode> objects = new HashMap<>();

  @BeforeAll
  void parse() throws Exception {
    RequiredTools.require(Files.isExecutable(Path.of(PYTHON)), PYTHON + " with PyYAML (Debian python3-yaml) is needed to parse YAML");
    List<Path> files;
    try (Stream<Path> list = Files.list(OpsFiles.resolve("ops/k8s"))) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 7, "manifests: " + files);
    for (Path file : files) {
      Processes.Result result = Processes.run(file.getParent().toFile(), List.of(PYTHON, "-c", TO_JSON, file.toString()));
      RequiredTools.require(!result.output().contains("No module named 'yaml'"), "PyYAML missing: apt-get install -y python3-yaml");
      assertEquals(0, result.exitCode(), file + " is not valid YAML: " + result.output());
      for (JsonNode doc : JSON.readTree(result.output())) {
        objects.put(doc.get("kind").asText() + "/" + doc.path("metadata").path("name").asText(), doc);
      }
    }
  }

  private JsonNode get(String key) {
    JsonNode node = objects.get(key);
    assertTrue(node != null, key + " missing; have " + objects.keySet());
    return node;
  }

  @Test
  void rbacLetsTheServiceAccountReadPods() {
    get("ServiceAccount/lifeguard");
    JsonNode rule = get("Role/lifeguard-pod-reader").get("rules").get(0);
    assertEquals("pods", rule.get("resources").get(0).asText());
    List<String> verbs = new ArrayList<>();
    rule.get("verbs").forEach(v -> verbs.add(v.asText()));
    assertTrue(verbs.containsAll(List.of("get", "watch", "list")), verbs.toString());
    JsonNode binding = get("RoleBinding/lifeguard-pod-reader");
    assertEquals("lifeguard", binding.get("subjects").get(0).get("name").asText());
    assertEquals("lifeguard-pod-reader", binding.get("roleRef").get("name").asText());
  }

  @Test
  void deploymentProbesShutdownAndConfiguration() {
    JsonNode pod = get("Deployment/lifeguard").get("spec").get("template");
    assertEquals("lifeguard", pod.get("metadata").get("labels").get("app").asText());
    JsonNode spec = pod.get("spec");
    assertEquals("lifeguard", spec.get("serviceAccountName").asText());
    JsonNode container = spec.get("containers").get(0);
    assertEquals("/healthz", container.get("livenessProbe").get("httpGet").get("path").asText());
    assertEquals("/ready", container.get("readinessProbe").get("httpGet").get("path").asText());
    assertEquals("configMapRef", container.get("envFrom").get(0).fieldNames().next());
    assertEquals("lifeguard-secrets", container.get("envFrom").get(1).get("secretRef").get("name").asText());
    assertTrue(container.toString().contains("-Dconfig.file=/etc/lifeguard/kubernetes.conf"));
    assertTrue(container.toString().contains("-XX:+ExitOnOutOfMemoryError"));

    Duration deadline = Duration.parse("PT" + get("ConfigMap/lifeguard-config").get("data")
        .get("LIFEGUARD_SHUTDOWN_DEADLINE").asText().toUpperCase());
    long preStop = Long.parseLong(container.get("lifecycle").get("preStop").get("exec").get("command").get(1).asText());
    long grace = spec.get("terminationGracePeriodSeconds").asLong();
    assertTrue(grace >= deadline.toSeconds() + preStop + 10,
        "grace period " + grace + " s covers the preStop pause (" + preStop + " s) and the node's shutdown deadline ("
            + deadline.toSeconds() + " s) with at least 10 s to spare");
    // Memory: what the heap leaves of the limit must hold metaspace, code cache, stacks and direct buffers.
    java.util.regex.Matcher percent = java.util.regex.Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(container.toString());
    assertTrue(percent.find(), container.toString());
    String limit = container.get("resources").get("limits").get("memory").asText();
    assertTrue(limit.endsWith("Gi") || limit.endsWith("Mi"), limit);
    long limitMiB = Long.parseLong(limit.substring(0, limit.length() - 2)) * (limit.endsWith("Gi") ? 1024 : 1);
    long offHeapMiB = limitMiB * (100 - Long.parseLong(percent.group(1))) / 100;
    assertTrue(offHeapMiB >= 384, "off-heap room " + offHeapMiB + " MiB of a " + limit + " limit");
  }

  @Test
  void bootstrapUsesTheKubernetesApiWithThePodLabel() {
    // Resolve the ConfigMap's HOCON the way the node does with -Dconfig.file, then read what the
    // node reads: a file that only looked right once left every pod forming a cluster of its own.
    String conf = get("ConfigMap/lifeguard-config").get("data").get("kubernetes.conf").asText();
    Config config = ConfigFactory.parseString(conf, ConfigParseOptions.defaults()
            .setClassLoader(getClass().getClassLoader()).setAllowMissing(false))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    assertTrue(config.getBoolean("lifeguard.cluster.bootstrap"), "bootstrap on: no self-join");
    assertEquals(List.of(), NodeSettings.create(config).cluster().seedNodes(), "no static seeds");
    assertTrue(AdminSettings.create(config).bootstrap(), "the node starts ClusterBootstrap");
    String discovery = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    assertEquals("kubernetes-api", config.getString(discovery + "discovery-method"));
    assertEquals("lifeguard", config.getString(discovery + "service-name"));
    assertEquals(3, config.getInt(discovery + "required-contact-point-nr"));
    assertEquals("app=%s", config.getString("pekko.discovery.kubernetes-api.pod-label-selector"));
    assertEquals("management", config.getString("pekko.discovery.kubernetes-api.pod-port-name"));
    assertEquals(8558, config.getInt("pekko.management.http.port"));
    JsonNode ports = get("Deployment/lifeguard").get("spec").get("template").get("spec").get("containers").get(0).get("ports");
    boolean named = false;
    for (JsonNode port : ports) named |= "management".equals(port.get("name").asText()) && port.get("containerPort").asInt() == 8558;
    assertTrue(named, "the container exposes the port discovery looks for by name: " + ports);
  }

  @Test
  void servicesBudgetAndAutoscaler() {
    JsonNode headless = get("Service/lifeguard-internal").get("spec");
    assertEquals("None", headless.get("clusterIP").asText());
    assertTrue(headless.get("publishNotReadyAddresses").asBoolean());
    get("Service/lifeguard");
    get("Service/lifeguard-admin");
    assertEquals(1, get("PodDisruptionBudget/lifeguard").get("spec").get("maxUnavailable").asInt());
    JsonNode hpa = get("HorizontalPodAutoscaler/lifeguard").get("spec");
    assertTrue(hpa.get("minReplicas").asInt() >= 3, "keep-majority needs three nodes");
    assertEquals("lifeguard", hpa.get("scaleTargetRef").get("name").asText());
  }
}
