package io.segflow.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The HTTP methods each path of the REST resources takes, read once from their annotations: what a 405 lists in
 * {@code Allow}, and what tells a path that exists (wrong method: 405) from one that does not (404). A native image
 * answers this reflection only for the resources registered in reflect-config.json ({@code NativeReflectionTest}).
 */
@ApplicationScoped
public class ResourceMethods {
    private record Route(Pattern path, String method) {
    }

    private final List<Route> routes = new ArrayList<>();

    ResourceMethods(BeanManager beans) {
        for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
            Path root = bean.getBeanClass().getAnnotation(Path.class);
            if (root != null) {
                addRoutes(root.value(), bean.getBeanClass());
            }
        }
    }

    /** The methods {@code path} (as requested, not decoded) takes, with HEAD where GET is; empty for no such path. */
    public Set<String> allowed(String path) {
        Set<String> methods = new TreeSet<>();
        for (Route route : routes) {
            if (route.path().matcher(path).matches()) {
                methods.add(route.method());
                if (route.method().equals("GET")) {
                    methods.add("HEAD");
                }
            }
        }
        return methods;
    }

    private void addRoutes(String root, Class<?> resource) {
        for (Method method : resource.getMethods()) {
            String httpMethod = httpMethod(method);
            if (httpMethod != null) {
                Path sub = method.getAnnotation(Path.class);
                routes.add(new Route(template(sub == null ? root : root + "/" + sub.value()), httpMethod));
            }
        }
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    /** {@code /v1/segments/{id}} as a pattern: each {@code {name}} is one path segment; a trailing slash is optional. */
    private static Pattern template(String template) {
        StringBuilder pattern = new StringBuilder();
        for (String segment : template.split("/")) {
            if (!segment.isEmpty()) {
                pattern.append('/').append(segment.startsWith("{") ? "[^/]+" : Pattern.quote(segment));
            }
        }
        return Pattern.compile(pattern + "/?");
    }
}
