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
}
