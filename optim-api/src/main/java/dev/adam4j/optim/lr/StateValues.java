package dev.adam4j.optim.lr;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading a scheduler's state dict (JSON values): each read names the key it checks. */
final class StateValues {
    private StateValues() {}

    static double number(Map<String, Object> sd, String key) {
        Object v = sd.get(key);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("scheduler state '" + key + "' must be a number, got " + v);
        return n.doubleValue();
    }

    static long integer(Map<String, Object> sd, String key) {
        Object v = sd.get(key);
        if (!(v instanceof Long || v instanceof Integer)) {
            throw new IllegalArgumentException("scheduler state '" + key + "' must be an integer, got " + v);
        }
        return ((Number) v).longValue();
    }

    static boolean flag(Map<String, Object> sd, String key) {
        Object v = sd.get(key);
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException("scheduler state '" + key + "' must be a boolean, got " + v);
        return b;
    }

    static String string(Map<String, Object> sd, String key) {
        Object v = sd.get(key);
        if (!(v instanceof String s)) throw new IllegalArgumentException("scheduler state '" + key + "' must be a string, got " + v);
        return s;
    }

    static List<Double> doubles(Map<String, Object> sd, String key, int size) {
        Object v = sd.get(key);
        if (!(v instanceof List<?> l) || (size >= 0 && l.size() != size)) {
            throw new IllegalArgumentException("scheduler state '" + key + "' must be a list of " + size + " numbers, got " + v);
        }
        List<Double> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Number n)) throw new IllegalArgumentException("scheduler state '" + key + "' holds " + o);
            out.add(n.doubleValue());
        }
        return out;
    }

    /** The state dicts of {@code schedulers}, in order (PyTorch's {@code _schedulers}). */
    static List<Object> states(List<LRScheduler> schedulers) {
        List<Object> subs = new ArrayList<>();
        for (LRScheduler s : schedulers) subs.add(s.stateDict());
        return subs;
    }

    /** Checks every entry of {@code sd._schedulers} against {@code schedulers}, then loads them all. */
    static void loadStates(List<LRScheduler> schedulers, Map<String, Object> sd) {
        if (!(sd.get("_schedulers") instanceof List<?> subs) || subs.size() != schedulers.size()) {
            throw new IllegalArgumentException("scheduler state '_schedulers' must list " + schedulers.size() + " states");
        }
        for (int i = 0; i < subs.size(); i++) {
            Map<String, Object> m = map(subs.get(i), "_schedulers");
            schedulers.get(i).checkSettings(m);
            integer(m, "last_epoch");
        }
        for (int i = 0; i < subs.size(); i++) schedulers.get(i).loadStateDict(map(subs.get(i), "_schedulers"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object v, String key) {
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("scheduler state '" + key + "' must be an object, got " + v);
        return (Map<String, Object>) m;
    }
}
