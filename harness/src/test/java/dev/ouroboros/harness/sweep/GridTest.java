package dev.ouroboros.harness.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class GridTest {
    static final RunConfig BASE =
            RunConfig.parse("policies: [replace, accumulate]\nseeds: [0, 1]\n", List.of());

    @Test
    void rangesListsAndSugar() {
        Grid g =
                Grid.parse(
                        List.of(
                                "seed=0..2,7",
                                "optim.lr=1e-4,3e-4",
                                "train.epochs=2",
                                "policies=[a,b]"));
        assertEquals(List.of("train.epochs=2", "policies=[a,b]"), g.fixed());
        assertEquals(List.of("0", "1", "2", "7"), g.axes().get(0).values());
        assertEquals(List.of("1e-4", "3e-4"), g.axes().get(1).values());
        List<Grid.Point> points = g.points(BASE);
        assertEquals(4 * 2 * 2, points.size()); // seed x lr x the config's 2 policies
        Grid.Point c = points.get(0);
        assertEquals("seed=0,optim.lr=1e-4,policy=replace", c.name());
        assertTrue(
                c.overrides()
                        .containsAll(
                                List.of(
                                        "train.epochs=2",
                                        "seeds=[0]",
                                        "optim.lr=1e-4",
                                        "policies=[\"replace\"]")),
                c.overrides().toString());
    }

    @Test
    void policyAndSeedDefaultToTheConfigsLists() {
        List<Grid.Point> points = Grid.parse(List.of()).points(BASE);
        assertEquals(
                List.of(
                        "policy=replace,seed=0",
                        "policy=replace,seed=1",
                        "policy=accumulate,seed=0",
                        "policy=accumulate,seed=1"),
                points.stream().map(Grid.Point::name).toList());
    }

    @Test
    void mixPolicyKeepsItsCommas() {
        Grid g =
                Grid.parse(
                        List.of(
                                "policy=replace,mix:0.1,0.2,0.7,keep-real:0.1+curate:0.9",
                                "seed=3"));
        assertEquals(
                List.of("replace", "mix:0.1,0.2,0.7", "keep-real:0.1+curate:0.9"),
                g.axes().get(0).values());
        assertEquals(List.of("3"), g.axes().get(1).values());
        Grid.Point mix = g.points(BASE).get(1);
        assertTrue(
                mix.overrides().contains("policies=[\"mix:0.1,0.2,0.7\"]"),
                mix.overrides().toString());
        RunConfig c = RunConfig.parse("", mix.overrides());
        assertEquals(
                List.of("mix:0.1,0.2,0.7"),
                c.policies().stream()
                        .map(dev.ouroboros.harness.policy.MixingPolicy::spec)
                        .toList());
        assertEquals(List.of(3L), c.seeds());
    }

    @Test
    void badSpecsAreUserErrors() {
        for (List<String> bad :
                List.of(
                        List.of("seed=3..1"),
                        List.of("seed="),
                        List.of("seed=a"),
                        List.of("seed=0..x"),
                        List.of("optim.lr=1..2.5"),
                        List.of("seed=0,,1"),
                        List.of("noequals"),
                        List.of("seed=0,0"),
                        List.of("seed=0,1", "seed=2,3"),
                        List.of("seed=-1"))) {
            assertThrows(UserInputException.class, () -> Grid.parse(bad), bad.toString());
        }
    }
}
