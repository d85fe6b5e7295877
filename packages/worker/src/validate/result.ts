/** What both validators return: the input to use, or every problem found. Never both. */
export type ValidationResult<T> =
  | { validatedInput: T; errors?: undefined }
  | { errors: string[]; validatedInput?: undefined };
