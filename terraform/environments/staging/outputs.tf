# The controller's contract is modules/platform/outputs.tf; a root module must re-export it.

output "aws_region" { value = module.platform.aws_region }
output "app_url" { value = module.platform.app_url }
output "ecs_cluster_name" { value = module.platform.ecs_cluster_name }
output "blue_service_name" { value = module.platform.blue_service_name }
output "green_service_name" { value = module.platform.green_service_name }
output "container_name" { value = module.platform.container_name }
output "execution_role_arn" { value = module.platform.execution_role_arn }
output "task_role_arn" { value = module.platform.task_role_arn }
output "log_group_name" { value = module.platform.log_group_name }
output "listener_arn" { value = module.platform.listener_arn }
output "test_listener_arn" { value = module.platform.test_listener_arn }
output "blue_target_group_arn" { value = module.platform.blue_target_group_arn }
output "green_target_group_arn" { value = module.platform.green_target_group_arn }
output "blue_alarm_names" { value = module.platform.blue_alarm_names }
output "green_alarm_names" { value = module.platform.green_alarm_names }
output "deploy_table_name" { value = module.platform.deploy_table_name }
output "live_color_parameter" { value = module.platform.live_color_parameter }
output "ecr_repository_url" { value = module.platform.ecr_repository_url }
output "deploy_role_arn" { value = module.platform.deploy_role_arn }
output "terraform_role_arn" { value = module.platform.terraform_role_arn }
output "outputs_reader_role_arn" { value = module.platform.outputs_reader_role_arn }
