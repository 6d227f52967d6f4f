output "task_execution_role_arn" {
  description = "ARN of the task execution role (the ECS agent's)."
  value       = aws_iam_role.task_exec.arn
}

output "task_role_arn" {
  description = "ARN of the task role (the app's)."
  value       = aws_iam_role.task.arn
}
