package io.segflow.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The segflow types Jackson reaches by reflection when it (de)serializes the given types: they themselves, their record
 * components or instance fields, and the type arguments of those, transitively. A native image answers reflection only
 * for registered classes, so each of these must be in the function's reflect-config.json; in JVM mode nothing shows a
 * missing one.
 */
public final class JacksonReach {
    private static final String OURS = "io.segflow.";

    private JacksonReach() {
    }

    /** The flags of a reflect-config.json entry that open a type to Jackson: constructors, methods (record accessors), fields. */
    public static final String[] OPEN_TO_JACKSON = {"allDeclaredConstructors", "allDeclaredMethods", "allDeclaredFields"};

    /** The names of the entries of the classpath resource {@code reflectConfig} (a reflect-config.json) with every flag set. */
    public static Set<String> registered(String reflectConfig, String... flags) {
        // The context class loader: in a @QuarkusTest it is the one that sees the application's resources.
        try (InputStream config = Thread.currentThread().getContextClassLoader().getResourceAsStream(reflectConfig)) {
            if (config == null) {
                throw new IllegalArgumentException("no " + reflectConfig + " on the classpath");
            }
            Set<String> names = new HashSet<>();
            for (JsonNode entry : new ObjectMapper().readTree(config)) {
                boolean all = true;
                for (String flag : flags) {
                    all &= entry.path(flag).asBoolean();
                }
                if (all) {
                    names.add(entry.path("name").asText());
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Set<String> typesReachedFrom(Class<?>... roots) {
        Set<String> reached = new TreeSet<>();
        Deque<Class<?>> pending = new ArrayDeque<>();
        for (Class<?> root : roots) {
            visit(root, reached, pending);
        }
        while (!pending.isEmpty()) {
            Class<?> type = pending.pop();
            if (type.isRecord()) {
                for (RecordComponent component : type.getRecordComponents()) {
                    visit(component.getGenericType(), reached, pending);
                }
            } else if (!type.isEnum()) {
                for (Field field : type.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers())) {
                        visit(field.getGenericType(), reached, pending);
                    }
                }
            }
        }
        return reached;
    }

    private static void visit(Type type, Set<String> reached, Deque<Class<?>> pending) {
        switch (type) {
            case Class<?> plain when plain.isArray() -> visit(plain.getComponentType(), reached, pending);
            case Class<?> plain -> {
                if (plain.getName().startsWith(OURS) && reached.add(plain.getName())) {
                    pending.push(plain);
                }
            }
            case ParameterizedType generic -> {
                visit(generic.getRawType(), reached, pending);
                for (Type argument : generic.getActualTypeArguments()) {
                    visit(argument, reached, pending);
                }
            }
            case GenericArrayType array -> visit(array.getGenericComponentType(), reached, pending);
            case WildcardType wildcard -> {
                for (Type bound : wildcard.getUpperBounds()) {
                    visit(bound, reached, pending);
                }
            }
            default -> {
                // A type variable: what it stands for is one of the roots' own type arguments.
            }
        }
    }
}
