package dev.ouroboros.models;

/**
 * Bad input from the user: a malformed file, an unknown option, a config that does not validate.
 *
 * <p>The CLI prints {@link #getMessage()} as one line and exits with code 2, never a stack trace.
 * Messages name the culprit first (a file path, a config key) and then the problem.
 */
public class UserInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
