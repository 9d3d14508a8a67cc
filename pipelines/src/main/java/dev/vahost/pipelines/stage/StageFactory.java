package dev.vahost.pipelines.stage;

/**
 * Makes stages of one type. Implementations are listed in
 * {@code META-INF/services/dev.vahost.pipelines.stage.StageFactory} of their jar (the
 * {@link java.util.ServiceLoader} convention) and need a public no-argument constructor.
 *
 * @param <C> the configuration: a record or bean that Jackson binds from the stage's {@code config}
 *            section (keys in snake_case: {@code min_score} sets a component {@code minScore}; unknown
 *            keys are errors); the factory checks its values in {@link #create}
 */
public interface StageFactory<C> {
    /** The name deployments use ({@code type: zone-count}): lower case, digits, '-', '_' and '.'. */
    String type();

    /** The configuration class (bound from an empty section when the deployment gives none). */
    Class<C> configType();

    /**
     * A new stage.
     *
     * @throws IllegalArgumentException for a configuration value that breaks a rule (name the key)
     * @throws Exception                anything else that stops the stage from starting
     */
    Stage create(C config, StageContext context) throws Exception;

    /** One line for {@code --list-stages}: what the stage does. */
    default String describe() {
        return type();
    }
}
