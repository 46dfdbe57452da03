package io.mqttbridge.broker.architecture;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No import cycle in the broker between classes of different packages: a cycle inside one package
 * is one concern split over files, a cycle across packages means neither package can be understood
 * (or changed) without the other. Nested classes count as their top-level class.
 *
 * <p>The same holds one level up: packages form no cycle (counting the root package
 * {@code io.mqttbridge.broker} as one package, so its {@code MqttBroker} stays the top that nothing
 * imports back), and neither do the top-level areas ({@code handler} with all its sub-packages,
 * {@code limits} with {@code limits.internal}, ...). The packages are layered, bottom up: {@code spi},
 * {@code config}, {@code listener}, {@code topic}, {@code retained}, {@code metrics}, {@code netty},
 * {@code connection}, {@code session}, {@code routing}, {@code will}, {@code limits}, {@code handler},
 * {@code pipeline}, the root.
 */
class ImportCyclesTest {

    private static final String ROOT = "io.mqttbridge.broker";

    private static final Map<String, Set<String>> CLASS_GRAPH = classGraph();

    @Test
    void noImportCycleSpansTwoPackages() {
        Map<String, Set<String>> graph = CLASS_GRAPH;

        List<String> crossPackageCycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected(graph)) {
            Set<String> packages = component.stream().map(ImportCyclesTest::packageOf).collect(Collectors.toSet());
            if (packages.size() > 1) {
                crossPackageCycles.add(String.join(" <-> ", component));
            }
        }
        assertThat(crossPackageCycles).as("classes of different packages that import each other").isEmpty();
    }

    @Test
    void packagesImportEachOtherInNoCycle() {
        assertThat(cyclesBetween(CLASS_GRAPH, ImportCyclesTest::packageOf))
                .as("packages that import each other, with the class imports that close the cycle")
                .isEmpty();
    }

    @Test
    void topLevelPackagesImportEachOtherInNoCycle() {
        assertThat(cyclesBetween(CLASS_GRAPH, ImportCyclesTest::topLevelPackageOf))
                .as("top-level broker packages (with their sub-packages) that import each other")
                .isEmpty();
    }

    @Test
    void thePackageCheckFindsACycleThroughTheRootPackage() {
        Map<String, Set<String>> graph = Map.of(
                ROOT + ".Broker", Set.of(ROOT + ".session.Session"),
                ROOT + ".Config", Set.of(),
                ROOT + ".session.Session", Set.of(ROOT + ".Config"));
        assertThat(cyclesBetween(graph, ImportCyclesTest::packageOf)).singleElement().asString()
                .contains(ROOT + ".session.Session -> " + ROOT + ".Config")
                .contains(ROOT + ".Broker -> " + ROOT + ".session.Session");
        assertThat(cyclesBetween(graph, ImportCyclesTest::topLevelPackageOf)).hasSize(1);
    }

    @Test
    void theTopLevelCheckFindsACycleBetweenSubPackages() {
        Map<String, Set<String>> graph = Map.of(
                ROOT + ".handler.publish.PublishHandler", Set.of(ROOT + ".session.Session"),
                ROOT + ".session.Session", Set.of(ROOT + ".handler.Mqtt5Properties"));
        assertThat(cyclesBetween(graph, ImportCyclesTest::packageOf)).isEmpty();
        assertThat(cyclesBetween(graph, ImportCyclesTest::topLevelPackageOf)).hasSize(1);
    }

    @Test
    void theCheckFindsACycleAcrossPackages() {
        Map<String, Set<String>> graph = Map.of(
                "a.One", Set.of("b.Two"),
                "b.Two", Set.of("a.One"),
                "a.Three", Set.of("a.One"));
        assertThat(stronglyConnected(graph)).containsExactly(Set.of("a.One", "b.Two"));
    }

    private static Map<String, Set<String>> classGraph() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
        Map<String, Set<String>> graph = new TreeMap<>();
        for (JavaClass javaClass : classes) {
            String from = topLevel(javaClass);
            Set<String> targets = graph.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency dependency : javaClass.getDirectDependenciesFromSelf()) {
                String to = topLevel(dependency.getTargetClass());
                if (to.startsWith(ROOT + ".") && !to.equals(from)) {
                    targets.add(to);
                }
            }
        }
        return graph;
    }

    /**
     * Collapses the class graph into groups (packages, or top-level packages) and returns one line per
     * cycle between groups: the groups, then the class imports between them that form it.
     */
    private static List<String> cyclesBetween(Map<String, Set<String>> classGraph,
                                              Function<String, String> groupOf) {
        Map<String, Set<String>> groupGraph = new TreeMap<>();
        classGraph.forEach((from, targets) -> {
            Set<String> groupTargets = groupGraph.computeIfAbsent(groupOf.apply(from), k -> new TreeSet<>());
            for (String to : targets) {
                if (!groupOf.apply(to).equals(groupOf.apply(from))) {
                    groupTargets.add(groupOf.apply(to));
                }
            }
        });
        List<String> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected(groupGraph)) {
            // one class import per group edge: enough to see where to cut, short enough to read
            Map<String, String> exampleImport = new TreeMap<>();
            new TreeMap<>(classGraph).forEach((from, targets) -> new TreeSet<>(targets).forEach(to -> {
                String fromGroup = groupOf.apply(from);
                String toGroup = groupOf.apply(to);
                if (!fromGroup.equals(toGroup) && component.contains(fromGroup) && component.contains(toGroup)) {
                    exampleImport.putIfAbsent(fromGroup + " -> " + toGroup, from + " -> " + to);
                }
            }));
            cycles.add(String.join(" <-> ", component) + " through " + exampleImport.values());
        }
        return cycles;
    }

    /** {@code io.mqttbridge.broker.handler.publish.X} to {@code io.mqttbridge.broker.handler}; the root stays. */
    private static String topLevelPackageOf(String className) {
        String packageName = packageOf(className);
        if (packageName.equals(ROOT)) {
            return ROOT;
        }
        int end = packageName.indexOf('.', ROOT.length() + 1);
        return end < 0 ? packageName : packageName.substring(0, end);
    }

    private static String topLevel(JavaClass javaClass) {
        JavaClass outer = javaClass;
        while (outer.getEnclosingClass().isPresent()) {
            outer = outer.getEnclosingClass().get();
        }
        return outer.getName();
    }

    private static String packageOf(String className) {
        return className.substring(0, className.lastIndexOf('.'));
    }

    /** Tarjan's algorithm; returns the components with more than one class. */
    private static List<Set<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String node : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(node)) {
                visit(node, graph, index, low, stack, onStack, components, counter);
            }
        }
        return components;
    }

    private static void visit(String node, Map<String, Set<String>> graph, Map<String, Integer> index,
                              Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                              List<Set<String>> components, int[] counter) {
        index.put(node, counter[0]);
        low.put(node, counter[0]);
        counter[0]++;
        stack.push(node);
        onStack.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                visit(next, graph, index, low, stack, onStack, components, counter);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (onStack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            Set<String> component = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                onStack.remove(member);
                component.add(member);
            } while (!member.equals(node));
            if (component.size() > 1) {
                components.add(component);
            }
        }
    }
}
