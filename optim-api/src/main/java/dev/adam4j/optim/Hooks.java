package dev.adam4j.optim;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * PyTorch's optimizer hooks: step pre/post, state-dict pre/post, load-state-dict pre/post, each a
 * list in call order; registration returns a handle that removes the hook. One instance per
 * optimizer, and one for the global step hooks shared by all optimizers.
 */
final class Hooks {
    final List<Consumer<? super Optimizer>> stepPre = new CopyOnWriteArrayList<>();
    final List<Consumer<? super Optimizer>> stepPost = new CopyOnWriteArrayList<>();
    final List<Consumer<? super Optimizer>> stateDictPre = new CopyOnWriteArrayList<>();
    final List<BiFunction<? super Optimizer, StateDict, StateDict>> stateDictPost = new CopyOnWriteArrayList<>();
    final List<BiFunction<? super Optimizer, StateDict, StateDict>> loadStateDictPre = new CopyOnWriteArrayList<>();
    final List<Consumer<? super Optimizer>> loadStateDictPost = new CopyOnWriteArrayList<>();

    static <T> HookHandle register(List<T> list, T hook, boolean prepend) {
        Objects.requireNonNull(hook, "hook");
        if (prepend) list.add(0, hook);
        else list.add(hook);
        return new HookHandle(list, hook);
    }

    static void run(List<Consumer<? super Optimizer>> hooks, Optimizer opt) {
        for (Consumer<? super Optimizer> h : hooks) h.accept(opt);
    }

    /** Runs hooks that may return a replacement state dict (null keeps the one given). */
    static StateDict run(List<BiFunction<? super Optimizer, StateDict, StateDict>> hooks, Optimizer opt, StateDict sd) {
        for (BiFunction<? super Optimizer, StateDict, StateDict> h : hooks) {
            StateDict r = h.apply(opt, sd);
            if (r != null) sd = r;
        }
        return sd;
    }
}
