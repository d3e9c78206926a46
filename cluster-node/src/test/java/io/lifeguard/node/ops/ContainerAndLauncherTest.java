package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.Processes;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the Dockerfile is checked against the build it claims to run;
 * the launcher is checked for syntax and usage (it was run for real by hand, see the runbook).
 */
class ContainerAndLauncherTest {
  @Test
  void dockerfileBuildsTheRealJarWithTheReadmeCommand() {
    String dockerfile = OpsFiles.read("ops/container/Dockerfile");
    assertTrue(dockerfile.contains("mvn -B -DskipTests package"), "same build command as the README");
    assertTrue(dockerfile.contains("cluster-node/target/lifeguard-node.jar"));
    assertTrue(OpsFiles.read("cluster-node/pom.xml").contains("<outputFile>${project.build.directory}/lifeguard-node.jar</outputFile>"),
        "the shade plugin still produces cluster-node/target/lifeguard-node.jar");
    for (String module : List.of("protocol", "sharding", "control-api", "cluster-node", "load-tests")) {
      assertTrue(OpsFiles.read("pom.xml").contains("<module>" + module + "</module>"), module + " is a module");
      assertTrue(dockerfile.contains("COPY " + module + " " + module), "the build stage copies " + module);
    }
    for (String folder : List.of("clients/js/src", "clients/js/demo")) {
      assertTrue(OpsFiles.read("cluster-node/pom.xml").contains("<directory>../" + folder + "</directory>"), folder + " is a jar resource");
      assertTrue(dockerfile.contains("COPY " + folder + " " + folder), "the build stage copies " + folder);
    }
    assertTrue(dockerfile.contains("FROM eclipse-temurin:17-jre"), "small JRE runtime");
    assertTrue(dockerfile.contains("USER 10001"), "non-root");
    assertTrue(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("/healthz"));
    assertTrue(dockerfile.contains("-XX:MaxRAMPercentage=") && dockerfile.contains("-XX:+ExitOnOutOfMemoryError"));
    assertTrue(dockerfile.contains("LOG_FORMAT=json"));
    assertTrue(dockerfile.contains("exec java"), "java is PID 1 and gets SIGTERM");
  }

  @Test
  void launcherParsesAndRejectsUnknownCommands() throws Exception {
    var script = OpsFiles.resolve("ops/local-cluster.sh");
    assertTrue(Files.isExecutable(script), "ops/local-cluster.sh is executable");
    Processes.Result syntax = Processes.run(OpsFiles.root().toFile(), List.of("bash", "-n", script.toString()));
    assertEquals(0, syntax.exitCode(), syntax.output());
    Processes.Result usage = Processes.run(OpsFiles.root().toFile(), List.of("bash", script.toString(), "bogus"));
    assertEquals(1, usage.exitCode(), usage.output());
    assertTrue(usage.output().contains("usage:"), usage.output());
    assertTrue(Files.exists(OpsFiles.resolve("cluster-node/src/main/java/io/lifeguard/node/ops/GenerateSigningKey.java")));
  }

  @Test
  void runRebuildsAfterAConsoleFileChanges() throws Exception {
    java.nio.file.Path copy = Files.createTempDirectory("launcher");
    Files.copy(OpsFiles.resolve("lifeguard"), copy.resolve("lifeguard"));
    for (String module : List.of("protocol", "sharding", "control-api")) Files.createDirectories(copy.resolve(module));
    Files.writeString(copy.resolve("pom.xml"), "<project/>");
    java.nio.file.Path console = Files.createDirectories(copy.resolve("cluster-node/src/main/resources/console"));
    java.nio.file.Path jar = Files.createDirectories(copy.resolve("cluster-node/target")).resolve("lifeguard-node.jar");
    Files.writeString(jar, "jar");
    java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(jar);
    Files.setLastModifiedTime(copy.resolve("pom.xml"), java.nio.file.attribute.FileTime.fromMillis(built.toMillis() - 60_000));
    List<String> needsBuild = List.of("bash", copy.resolve("lifeguard").toString(), "needs-build");
    assertEquals(1, Processes.run(copy.toFile(), needsBuild).exitCode(), "nothing newer than the jar");
    for (String file : List.of("app.js", "style.css", "index.html")) {
      java.nio.file.Path changed = console.resolve(file);
      Files.writeString(changed, "changed");
      Files.setLastModifiedTime(changed, java.nio.file.attribute.FileTime.fromMillis(built.toMillis() + 60_000));
      assertEquals(0, Processes.run(copy.toFile(), needsBuild).exitCode(), file + " newer than the jar means a rebuild");
      Files.delete(changed);
    }
  }

  @Test
  void mavenPrintsNoRawAnsiResets() throws Exception {
    // Maven runs these tests, so it is normally on the PATH; a run from an IDE may lack it.
    io.lifeguard.node.testing.RequiredTools.require(Processes.onPath("mvn"), "skipped: mvn not on the PATH");
    // jansi, inside Maven 3.8, writes ESC[0m resets even in batch mode; .mvn/jvm.config turns them off,
    // so the first `./lifeguard run` shows no stray escape codes before the node's first line.
    assertTrue(OpsFiles.read(".mvn/jvm.config").contains("-Djansi.noreset=true"));
    Processes.Result result = Processes.run(OpsFiles.root().toFile(), List.of("mvn", "-B", "-q", "-o", "-N", "validate"));
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().indexOf('\u001b') < 0, "no escape code in: " + result.output());
  }

  /**
   * No Docker engine here, so the Dockerfile's own run example is replayed as the container would
   * run it: the image's ENV plus the example's -e flags (host.docker.internal is what --add-host maps
   * to the host, 127.0.0.1 here), ports and data folder moved to free ones. It must get ready and
   * its credentials must work; without the signing key it must refuse to start, as the comment says.
   */
  @Test
  void theDockerfilesRunExampleStartsANode() throws Exception {
    String dockerfile = OpsFiles.read("ops/container/Dockerfile");
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    java.util.regex.Matcher image = java.util.regex.Pattern.compile("^ENV ((?:.*\\\\\n)*.*)$", java.util.regex.Pattern.MULTILINE).matcher(dockerfile);
    assertTrue(image.find(), "the Dockerfile sets ENV");
    java.util.regex.Matcher pair = java.util.regex.Pattern.compile("(LIFEGUARD_[A-Z_]+|LOG_[A-Z]+)=(\"[^\"]*\"|\\S+)").matcher(image.group(1));
    while (pair.find()) env.put(pair.group(1), pair.group(2).replace("\"", ""));
    int run = dockerfile.indexOf("docker run");
    assertTrue(run > 0, "the Dockerfile shows a docker run example");
    String example = dockerfile.substring(run, dockerfile.indexOf("lifeguard:dev", run));
    assertTrue(example.contains("--add-host=host.docker.internal:host-gateway"), example);
    java.util.regex.Matcher flag = java.util.regex.Pattern.compile("-e (LIFEGUARD_[A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(example);
    while (flag.find()) env.put(flag.group(1), flag.group(2).replace("\"", ""));
    assertEquals("true", env.get("LIFEGUARD_PRODUCTION"), env.toString());
    assertEquals("$(cat signing.jwk)", env.get("LIFEGUARD_SIGNING_JWK"), env.toString());
    env.put("LIFEGUARD_SIGNING_JWK", io.lifeguard.protocol.token.Ed25519Keys.generate("docker-example").toJSONString());
    env.replaceAll((k, v) -> v.replace("host.docker.internal", "127.0.0.1"));
    // Where this test's node listens and keeps its journal (NodeProcess picks free ones).
    assertTrue(example.contains("-p 8080:8080 -p 8081:8081"), "the API and the edge port are published: " + example);
    for (String moved : List.of("LIFEGUARD_HTTP_HOST", "LIFEGUARD_HTTP_PORT", "LIFEGUARD_EDGE_HOST", "LIFEGUARD_EDGE_PORT",
        "LIFEGUARD_MANAGEMENT_PORT",
        "LIFEGUARD_CLUSTER_PORT", "LIFEGUARD_DATA_DIR")) {
      env.remove(moved);
    }
    // The jar's logback.xml, as in the image, not the test class path's logback-test.xml.
    env.put("JAVA_TOOL_OPTIONS", "-Dlogback.configurationFile=logback.xml");
    try (var node = io.lifeguard.node.testing.NodeProcess.start(env).awaitReady(java.time.Duration.ofSeconds(60))) {
      var client = java.net.http.HttpClient.newHttpClient();
      var cluster = client.send(java.net.http.HttpRequest.newBuilder(node.uri("/v1/admin/cluster"))
          .header("Authorization", "Bearer admin-secret").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, cluster.statusCode(), cluster.body());
      assertTrue(node.log().contains("\"level\":\"INFO\""), "LOG_FORMAT=json from the image's ENV:\n" + node.logTail());
    }
    env.remove("LIFEGUARD_SIGNING_JWK");
    try (var keyless = io.lifeguard.node.testing.NodeProcess.start(env)) {
      assertEquals(2, keyless.awaitExit(java.time.Duration.ofSeconds(60)), keyless.log());
      assertTrue(keyless.log().contains("LIFEGUARD_SIGNING_JWK"), keyless.log());
    }
  }
}
