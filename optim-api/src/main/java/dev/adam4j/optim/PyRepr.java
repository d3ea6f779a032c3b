package dev.adam4j.optim;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/** Python's {@code repr} of the values a parameter group holds. */
final class PyRepr {
    private PyRepr() {}

    static String of(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double d) return ofDouble(d);
        if (v instanceof List<?> l) return l.stream().map(PyRepr::of).collect(Collectors.joining(", ", "(", ")"));
        if (v instanceof String s) return s;
        return String.valueOf(v);
    }

    /** Python's float repr: the shortest round-tripping digits, exponent form outside [1e-4, 1e16). */
    static String ofDouble(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String s = bd.toPlainString();
            return s.contains(".") ? s : s + ".0";
        }
        String digits = bd.unscaledValue().abs().toString();
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
}
