package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adam4j.kernels.Precision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HooksTest {

    @Test
    void stepHooksRunInPyTorchsOrderAndCanBeRemoved() {
        LinearModel model = new LinearModel(Precision.F32, false, 1);
        Adam opt = new Adam(model.params());
        List<String> log = new ArrayList<>();
        HookHandle gPre = Adam.registerGlobalStepPreHook(o -> log.add("global pre"), false);
        HookHandle gPost = Adam.registerGlobalStepPostHook(o -> log.add("global post"), false);
        try {
            opt.registerStepPreHook(o -> log.add("pre"));
            HookHandle first = opt.registerStepPreHook(o -> log.add("pre (prepended)"), true);
            opt.registerStepPostHook(o -> log.add("post"));
            HookHandle later = opt.registerStepPostHook(o -> log.add("post 2"));
            model.backward();
            opt.step(() -> {
                log.add("closure");
                return 0.0;
            });
            assertEquals(List.of("global pre", "pre (prepended)", "pre", "closure", "post", "post 2", "global post"), log);
            log.clear();
            first.remove();
            later.close();
            first.remove(); // idempotent
            opt.step();
            assertEquals(List.of("global pre", "pre", "post", "global post"), log);
        } finally {
            gPre.remove();
            gPost.remove();
        }
        log.clear();
        opt.step();
        assertEquals(List.of("pre", "post"), log, "global hooks removed");
    }

    @Test
    void stateDictHooksCanObserveAndReplace() {
        LinearModel model = new LinearModel(Precision.F64, false, 2);
        Adam opt = new Adam(model.params());
        model.backward();
        opt.step();
        List<String> log = new ArrayList<>();
        opt.registerStateDictPreHook(o -> log.add("sd pre"), false);
        opt.registerStateDictPostHook((o, sd) -> {
            log.add("sd post");
            return sd;
        }, false);
        opt.registerLoadStateDictPreHook((o, sd) -> {
            log.add("load pre");
            // replace: load with lr 0.5
            var g = sd.paramGroups().get(0);
            var options = new java.util.LinkedHashMap<>(g.options());
            options.put("lr", 0.5);
            return new StateDict(sd.state(), List.of(new StateDict.Group(options, g.params(), g.paramNames())));
        }, false);
        opt.registerLoadStateDictPostHook(o -> log.add("load post"), false);
        opt.loadStateDict(opt.stateDict());
        assertEquals(List.of("sd pre", "sd post", "load pre", "load post"), log);
        assertEquals(0.5, opt.paramGroups().get(0).lr());
    }
}
